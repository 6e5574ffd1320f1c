import Foundation
import GRDB
import SiloCore
import SiloStorage

/// Walks the (bucket, key) index for one listing page, in either order. With a delimiter, each common prefix costs
/// one index seek past its whole group, so a page of 1,000 entries is at most ~1,000 seeks however many keys lie
/// below.
struct ObjectLister {
    let db: Database
    let query: ListQuery

    /// The keys still to visit, as raw bytes: at or past `lower` (strictly when `lowerIsExclusive`) and before
    /// `upper`. Ascending walks move `lower` up; descending walks move `upper` down.
    struct Window {
        var lower: [UInt8]
        var lowerIsExclusive = false
        var upper: [UInt8]?
        let descending: Bool

        /// Past a whole group. Ascending, that is its successor; descending, every key under a group sorts at or
        /// after the group itself, so `key < group` is past it. False when nothing can follow.
        mutating func step(pastGroup group: String) -> Bool {
            if descending {
                upper = Array(group.utf8)
                return true
            }
            guard let next = KeyOrder.byteSuccessor(of: group) else { return false }
            lower = next
            lowerIsExclusive = false
            return true
        }

        mutating func step(pastKey key: String) {
            if descending {
                upper = Array(key.utf8)
            } else {
                lower = Array(key.utf8)
                lowerIsExclusive = true
            }
        }
    }

    func run() throws -> ObjectListing {
        let limit = max(0, query.limit)
        guard var window = startWindow() else { return ObjectListing(entries: [], isTruncated: false) }
        var entries: [ObjectListing.Entry] = []
        while true {
            let wanted = entries.count < limit ? limit - entries.count + 1 : 1
            // A cursor steps SQLite one row at a time: a walk that meets a common prefix stops reading there and
            // seeks past the group, instead of reading the `wanted` rows that lie under it.
            let rows = try cursor(window, limit: wanted)
            var seen = 0
            var jumped = false
            while let row = try rows.next() {
                seen += 1
                let key: String = row[0]
                if entries.count == limit { return ObjectListing(entries: entries, isTruncated: true) }
                if let group = commonPrefix(of: key) {
                    entries.append(.commonPrefix(group))
                    guard window.step(pastGroup: group) else { return ObjectListing(entries: entries, isTruncated: false) }
                    jumped = true
                    break
                }
                entries.append(.object(summary(key: key, row: row)))
                window.step(pastKey: key)
            }
            if !jumped && seen < wanted { return ObjectListing(entries: entries, isTruncated: false) }
        }
    }

    /// The prefix's range, narrowed by the marker: past it in the listing's order, past its whole group when it is a
    /// rolled-up prefix or lies inside one. A marker outside the range is ignored when it lies behind the walk
    /// and leaves nothing (nil) when it lies beyond.
    func startWindow() -> Window? {
        var window = Window(lower: Array(query.prefix.utf8),
                            upper: query.prefix.isEmpty ? nil : KeyOrder.byteSuccessor(of: query.prefix),
                            descending: query.descending)
        guard let after = query.after, !after.isEmpty else { return window }
        let marker = Array(after.utf8)
        if query.descending {
            guard window.lower.lexicographicallyPrecedes(marker) else { return nil }
            guard window.upper.map({ marker.lexicographicallyPrecedes($0) }) ?? true else { return window }
        } else if marker.lexicographicallyPrecedes(window.lower) {
            return window
        }
        if let group = commonPrefix(of: after) { return window.step(pastGroup: group) ? window : nil }
        window.step(pastKey: after)
        return window
    }

    func commonPrefix(of key: String) -> String? { query.commonPrefix(of: key) }

    private func cursor(_ window: Window, limit: Int) throws -> RowCursor {
        // Bounds are bound as blobs cast to TEXT: the comparison is bytewise and a successor need not be UTF-8.
        var sql = "SELECT key, size, etag, last_modified, type, storage_class FROM objects WHERE bucket = ? AND key "
        sql += window.lowerIsExclusive ? "> CAST(? AS TEXT)" : ">= CAST(? AS TEXT)"
        var arguments: StatementArguments = [query.bucket, Data(window.lower)]
        if let upper = window.upper {
            sql += " AND key < CAST(? AS TEXT)"
            arguments += [Data(upper)]
        }
        sql += window.descending ? " ORDER BY key DESC LIMIT ?" : " ORDER BY key LIMIT ?"
        arguments += [limit]
        return try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
    }

    private func summary(key: String, row: Row) -> ObjectSummary {
        ObjectSummary(
            key: key, lastModified: row[3], etag: row[2], type: ObjectType(rawValue: row[4]) ?? .normal, size: row[1],
            storageClass: StorageClass(rawValue: row[5]) ?? .standard)
    }
}
