import PostgresNIO
import SiloCore
import SiloStorage

/// Listing from the largest key down (the console's "Z to A"). Every key under a common prefix sorts at or after
/// the prefix itself, so `key < group` steps past a whole group: the walk needs no successor, and so works for
/// any delimiter.
extension PostgresObjectLister {
    /// The exclusive upper bound to start below: the prefix's end, or the marker (its group when it is a
    /// rolled-up prefix or lies inside one). Nil when every key is below; "" when none can be.
    func reverseStartBound(upper: String?) -> String? {
        guard let after = query.after, !after.isEmpty else { return upper }
        guard query.prefix.utf8.lexicographicallyPrecedes(after.utf8) else { return "" }
        if let upper, !after.utf8.lexicographicallyPrecedes(upper.utf8) { return upper }
        return query.commonPrefix(of: after) ?? after
    }

    func descending(below upper: String?, limit: Int) async throws -> ObjectListing {
        if upper == "" { return ObjectListing(entries: [], isTruncated: false) }
        var statement = StatementBuilder()
        let bucket = statement.bind(query.bucket)
        let lower = statement.bind(query.prefix)
        var upperCondition = ""
        if let upper {
            let bound = statement.bind(upper)
            upperCondition = " AND key < \(bound)"
        }
        guard let delimiter = query.delimiter, !delimiter.isEmpty else {
            let count = statement.bind(Int64(limit + 1))
            statement.append("""
                SELECT key, size, etag, last_modified, type, storage_class FROM objects
                WHERE bucket = \(bucket) AND key >= \(lower)\(upperCondition) ORDER BY key DESC LIMIT \(count)
                """)
            return try await flatPage(statement, limit: limit)
        }
        // Character positions, as in the ascending walk: `cut` is where the delimiter starts after the prefix (0:
        // an object), and a group is the key's first `prefix + cut + delimiter - 1` characters.
        let restStart = statement.bind(Int32(query.prefix.unicodeScalars.count + 1))
        let delimiterParameter = statement.bind(delimiter)
        let groupLength = statement.bind(Int32(query.prefix.unicodeScalars.count + delimiter.unicodeScalars.count - 1))
        let steps = statement.bind(Int64(limit))
        statement.append("""
            WITH RECURSIVE walk(key, cut, n) AS (
                SELECT k.key, strpos(substr(k.key, \(restStart)), \(delimiterParameter)), 1
                FROM (SELECT key FROM objects WHERE bucket = \(bucket) AND key >= \(lower)\(upperCondition)
                      ORDER BY key DESC LIMIT 1) AS k
              UNION ALL
                SELECT k.key, strpos(substr(k.key, \(restStart)), \(delimiterParameter)), w.n + 1
                FROM walk AS w, LATERAL (
                    SELECT key FROM objects
                    WHERE bucket = \(bucket)
                      AND key < CASE WHEN w.cut > 0 THEN substr(w.key, 1, \(groupLength) + w.cut) ELSE w.key END
                    ORDER BY key DESC LIMIT 1) AS k
                WHERE w.n <= \(steps) AND k.key >= \(lower)
            )
            SELECT w.key, w.cut, o.size, o.etag, o.last_modified, o.type, o.storage_class
            FROM walk AS w LEFT JOIN LATERAL (
                SELECT size, etag, last_modified, type, storage_class FROM objects
                WHERE w.cut = 0 AND bucket = \(bucket) AND key = w.key OFFSET 0) AS o ON true
            """)
        return try await collectWalk(statement, limit: limit)
    }
}
