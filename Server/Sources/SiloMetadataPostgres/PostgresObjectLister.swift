import Logging
import PostgresNIO
import SiloCore
import SiloStorage

/// One listing page. Without a delimiter, one range scan. With one, one recursive query walks the
/// `(bucket, key)` index: each step seeks to the next key, and a key under a common prefix makes the next step
/// seek past the whole group, so a page of 1,000 entries costs ~1,000 index seeks however many keys lie below
/// them, in a single round trip.
struct PostgresObjectLister {
    let connection: PostgresConnection
    let query: ListQuery
    let logger: Logger

    func run() async throws -> ObjectListing {
        let limit = max(0, query.limit)
        let start = startBound()
        let upper = query.prefix.isEmpty ? nil : KeyOrder.successor(of: query.prefix)
        if query.descending { return try await descending(below: reverseStartBound(upper: upper), limit: limit) }
        guard let delimiter = query.delimiter, !delimiter.isEmpty else {
            return try await flat(from: start, upper: upper, limit: limit)
        }
        guard let last = delimiter.unicodeScalars.last, let groupEnd = KeyOrder.successor(of: String(last)) else {
            // A delimiter ending in U+10FFFF has no one-character successor for the SQL to append.
            return try await walkOneByOne(from: start, upper: upper, limit: limit)
        }
        return try await skipScan(from: start, upper: upper, limit: limit, delimiter: delimiter, groupEnd: groupEnd)
    }

    /// Where the page starts: the prefix, or past the marker (past its whole group when the marker is a rolled-up
    /// prefix or lies inside one).
    private func startBound() -> (key: String, exclusive: Bool) {
        guard let after = query.after, !after.utf8.lexicographicallyPrecedes(query.prefix.utf8) else {
            return (query.prefix, false)
        }
        if let group = query.commonPrefix(of: after), let next = KeyOrder.successor(of: group) { return (next, false) }
        return (after, true)
    }

    private func lowerCondition(_ statement: inout StatementBuilder, _ start: (key: String, exclusive: Bool),
                                column: String) -> String {
        let bound = statement.bind(start.key)
        return "\(column) \(start.exclusive ? ">" : ">=") \(bound)"
    }

    private func flat(from start: (key: String, exclusive: Bool), upper: String?, limit: Int) async throws -> ObjectListing {
        var statement = StatementBuilder()
        let bucket = statement.bind(query.bucket)
        let lower = lowerCondition(&statement, start, column: "key")
        statement.append("SELECT key, size, etag, last_modified, type, storage_class FROM objects WHERE bucket = \(bucket) AND \(lower)")
        if let upper {
            let bound = statement.bind(upper)
            statement.append(" AND key < \(bound)")
        }
        let count = statement.bind(Int64(limit + 1))
        statement.append(" ORDER BY key LIMIT \(count)")
        return try await flatPage(statement, limit: limit)
    }

    /// Rows of a range scan that fetched one more than `limit` (so truncation shows) as a page of objects.
    func flatPage(_ statement: StatementBuilder, limit: Int) async throws -> ObjectListing {
        let summaries = try await connection.decodedRows(statement.query, logger: logger) { row in
            let (key, size, etag, modified, type, storageClass) = try row.decode((String, Int64, String, Int64, String, String).self)
            return Self.summary(key, size, etag, modified, type, storageClass)
        }
        return ObjectListing(entries: summaries.prefix(limit).map { .object($0) }, isTruncated: summaries.count > limit)
    }

    private func skipScan(from start: (key: String, exclusive: Bool), upper: String?, limit: Int, delimiter: String,
                          groupEnd: String) async throws -> ObjectListing {
        var statement = StatementBuilder()
        let bucket = statement.bind(query.bucket)
        let lower = lowerCondition(&statement, start, column: "key")
        // Character positions: Postgres's substr/strpos count code points in a UTF-8 database.
        let restStart = statement.bind(Int32(query.prefix.unicodeScalars.count + 1))
        let delimiterParameter = statement.bind(delimiter)
        let keptLength = statement.bind(Int32(query.prefix.unicodeScalars.count + delimiter.unicodeScalars.count - 2))
        let groupEndParameter = statement.bind(groupEnd)
        let steps = statement.bind(Int64(limit))
        var upperCondition = ""
        var stepUpperCondition = ""
        if let upper {
            let bound = statement.bind(upper)
            upperCondition = " AND key < \(bound)"
            stepUpperCondition = " AND k.key < \(bound)"
        }
        // `cut` is where the delimiter starts after the prefix (0: none, an object). A group's successor keeps
        // the group but its last character, then appends that character's successor: the first key past every
        // key under the group. After an object the next key is the first at or past `key || chr(1)`, the
        // smallest longer string in "C" order (text holds no NUL). Each step's index scan so has one bound, and
        // the page's upper bound is checked on the key found rather than as a second scan key: a quarter less
        // work per step than `key > w.key AND key >= … AND key < upper`.
        // Objects' columns are fetched in a LATERAL subquery that OFFSET 0 keeps from being flattened into a join:
        // its `w.cut = 0` then stays a one-time filter, so a common prefix costs no lookup of the row under it.
        statement.append("""
            WITH RECURSIVE walk(key, cut, n) AS (
                SELECT k.key, strpos(substr(k.key, \(restStart)), \(delimiterParameter)), 1
                FROM (SELECT key FROM objects WHERE bucket = \(bucket) AND \(lower)\(upperCondition)
                      ORDER BY key LIMIT 1) AS k
              UNION ALL
                SELECT k.key, strpos(substr(k.key, \(restStart)), \(delimiterParameter)), w.n + 1
                FROM walk AS w, LATERAL (
                    SELECT key FROM objects
                    WHERE bucket = \(bucket)
                      AND key >= CASE WHEN w.cut > 0 THEN substr(w.key, 1, \(keptLength) + w.cut) || \(groupEndParameter)
                                      ELSE w.key || chr(1) END
                    ORDER BY key LIMIT 1) AS k
                WHERE w.n <= \(steps)\(stepUpperCondition)
            )
            SELECT w.key, w.cut, o.size, o.etag, o.last_modified, o.type, o.storage_class
            FROM walk AS w LEFT JOIN LATERAL (
                SELECT size, etag, last_modified, type, storage_class FROM objects
                WHERE w.cut = 0 AND bucket = \(bucket) AND key = w.key OFFSET 0) AS o ON true
            """)
        return try await collectWalk(statement, limit: limit)
    }

    /// The same walk, one seek per round trip, for delimiters the recursive query cannot skip past.
    private func walkOneByOne(from start: (key: String, exclusive: Bool), upper: String?, limit: Int) async throws
        -> ObjectListing
    {
        var entries: [ObjectListing.Entry] = []
        var bound = start
        while true {
            var statement = StatementBuilder()
            let bucket = statement.bind(query.bucket)
            let lower = lowerCondition(&statement, bound, column: "key")
            statement.append("SELECT key, size, etag, last_modified, type, storage_class FROM objects WHERE bucket = \(bucket) AND \(lower)")
            if let upper {
                let parameter = statement.bind(upper)
                statement.append(" AND key < \(parameter)")
            }
            statement.append(" ORDER BY key LIMIT 1")
            guard let row = try await connection.rows(statement.query, logger: logger).first else {
                return ObjectListing(entries: entries, isTruncated: false)
            }
            let (key, size, etag, modified, type, storageClass) = try row.decode((String, Int64, String, Int64, String, String).self)
            if entries.count == limit { return ObjectListing(entries: entries, isTruncated: true) }
            if let group = query.commonPrefix(of: key) {
                entries.append(.commonPrefix(group))
                guard let next = KeyOrder.successor(of: group) else { return ObjectListing(entries: entries, isTruncated: false) }
                bound = (next, false)
            } else {
                entries.append(.object(Self.summary(key, size, etag, modified, type, storageClass)))
                bound = (key, true)
            }
        }
    }

    /// Rows of a recursive walk (key, cut, then the object's columns, NULL for a common prefix) as a page.
    func collectWalk(_ statement: StatementBuilder, limit: Int) async throws -> ObjectListing {
        // No ORDER BY: PostgreSQL yields a recursive query's rows in the order its steps found them (the listing's
        // order) and sends each as it is found, so decoding runs on the gateway while the database still walks,
        // instead of after its last step. An engine that reorders them is caught and sorted here.
        let query = query
        let walked = try await connection.decodedRows(statement.query, logger: logger) {
            row -> (key: String, entry: ObjectListing.Entry)? in
            // Cell by cell: a common prefix (most rows of a delimiter page) needs only its key and cut, and its
            // five object columns are NULL; decoding all seven as one tuple cost a fifth of the page's CPU.
            var cells = row.makeIterator()
            guard let keyCell = cells.next(), let cutCell = cells.next() else { return nil }
            let key = try keyCell.decode(String.self)
            if try cutCell.decode(Int32.self) > 0, let group = query.commonPrefix(of: key) {
                return (key, .commonPrefix(group))
            }
            guard let size = try cells.next()?.decode(Int64?.self), let etag = try cells.next()?.decode(String?.self),
                  let modified = try cells.next()?.decode(Int64?.self), let type = try cells.next()?.decode(String?.self),
                  let storageClass = try cells.next()?.decode(String?.self)
            else { return nil }
            return (key, .object(Self.summary(key, size, etag, modified, type, storageClass)))
        }
        var entries = walked.compactMap { $0 }
        let inOrder: (String, String) -> Bool = query.descending
            ? { $1.utf8.lexicographicallyPrecedes($0.utf8) } : { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if zip(entries, entries.dropFirst()).contains(where: { !inOrder($0.key, $1.key) }) {
            entries.sort { inOrder($0.key, $1.key) }
        }
        return ObjectListing(entries: entries.prefix(limit).map(\.entry), isTruncated: entries.count > limit)
    }

    static func summary(_ key: String, _ size: Int64, _ etag: String, _ modified: Int64, _ type: String,
                        _ storageClass: String) -> ObjectSummary {
        ObjectSummary(key: key, lastModified: modified, etag: etag, type: ObjectType(rawValue: type) ?? .normal, size: size,
                      storageClass: StorageClass(rawValue: storageClass) ?? .standard)
    }
}
