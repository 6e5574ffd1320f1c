import Foundation
import GRDB
import SiloCore
import SiloStorage

/// Walks the (bucket, key) index for one listing page. With a delimiter, each common prefix costs one index
/// seek past its whole group, so a page of 1,000 entries is at most ~1,000 seeks however many keys lie below.
struct ObjectLister {
    let db: Database
    let query: ListQuery

    func run() throws -> ObjectListing {
        let limit = max(0, query.limit)
        var entries: [ObjectListing.Entry] = []
        // Inclusive lower bound on keys still to visit, as raw bytes.
        var lower: [UInt8] = Array(query.prefix.utf8)
        var lowerIsExclusive = false
        if let after = query.after, Array(after.utf8).lexicographicallyPrecedes(lower) == false {
            if let group = commonPrefix(of: after), let next = KeyOrder.byteSuccessor(of: group) {
                lower = next  // the marker is a rolled-up prefix (or inside one): skip the whole group
            } else {
                lower = Array(after.utf8)
                lowerIsExclusive = true
            }
        }
        let upper = query.prefix.isEmpty ? nil : KeyOrder.byteSuccessor(of: query.prefix)

        while true {
            let wanted = entries.count < limit ? limit - entries.count + 1 : 1
            // A cursor steps SQLite one row at a time: a walk that meets a common prefix stops reading there and
            // seeks past the group, instead of reading the `wanted` rows that lie under it.
            let rows = try cursor(lower: lower, exclusive: lowerIsExclusive, upper: upper, limit: wanted)
            var seen = 0
            var jumped = false
            while let row = try rows.next() {
                seen += 1
                let key: String = row[0]
                if entries.count == limit { return ObjectListing(entries: entries, isTruncated: true) }
                if let group = commonPrefix(of: key) {
                    entries.append(.commonPrefix(group))
                    guard let next = KeyOrder.byteSuccessor(of: group) else { return ObjectListing(entries: entries, isTruncated: false) }
                    lower = next
                    lowerIsExclusive = false
                    jumped = true
                    break
                }
                entries.append(.object(summary(key: key, row: row)))
                lower = Array(key.utf8)
                lowerIsExclusive = true
            }
            if !jumped && seen < wanted { return ObjectListing(entries: entries, isTruncated: false) }
        }
    }

    func commonPrefix(of key: String) -> String? { query.commonPrefix(of: key) }

    private func cursor(lower: [UInt8], exclusive: Bool, upper: [UInt8]?, limit: Int) throws -> RowCursor {
        // Bounds are bound as blobs cast to TEXT: the comparison is bytewise and a successor need not be UTF-8.
        var sql = "SELECT key, size, etag, last_modified, type, storage_class FROM objects WHERE bucket = ? AND key "
        sql += exclusive ? "> CAST(? AS TEXT)" : ">= CAST(? AS TEXT)"
        var arguments: StatementArguments = [query.bucket, Data(lower)]
        if let upper {
            sql += " AND key < CAST(? AS TEXT)"
            arguments += [Data(upper)]
        }
        sql += " ORDER BY key LIMIT ?"
        arguments += [limit]
        return try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
    }

    private func summary(key: String, row: Row) -> ObjectSummary {
        ObjectSummary(
            key: key, lastModified: row[3], etag: row[2], type: ObjectType(rawValue: row[4]) ?? .normal, size: row[1],
            storageClass: StorageClass(rawValue: row[5]) ?? .standard)
    }
}
