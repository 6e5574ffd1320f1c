/// ListObjectVersions over any backend that can read a key's versions newest first and a run of versions in
/// (key, newest first) order: the paging, the markers and the delimiter roll-up live here once.
public struct VersionLister: Sendable {
    /// Every version of one key, newest first.
    public typealias KeyVersions = @Sendable (_ key: String) async throws -> [StoredVersion]
    /// Up to `limit` versions of keys after `from` (or from it, when `inclusive`), in key order and newest first
    /// within a key.
    public typealias VersionsFrom = @Sendable (_ from: String, _ inclusive: Bool, _ limit: Int) async throws
        -> [(key: String, version: StoredVersion)]

    let query: VersionListQuery
    let keyVersions: KeyVersions
    let versionsFrom: VersionsFrom
    static let batch = 256

    public init(query: VersionListQuery, keyVersions: @escaping KeyVersions, versionsFrom: @escaping VersionsFrom) {
        self.query = query
        self.keyVersions = keyVersions
        self.versionsFrom = versionsFrom
    }

    public func run() async throws -> VersionListing {
        var page = Page(query: query)
        var from = query.prefix
        var inclusive = true
        if let keyMarker = query.keyMarker, !keyMarker.isEmpty, keyMarker >= query.prefix {
            from = keyMarker
            inclusive = false
            if let versionMarker = query.versionIdMarker, !versionMarker.isEmpty, keyMarker.hasPrefix(query.prefix) {
                // Continue inside the marker's key, after the marker's version.
                let versions = try await keyVersions(keyMarker)
                if let index = versions.firstIndex(where: { $0.versionId == versionMarker }) {
                    for (offset, version) in versions.enumerated().dropFirst(index + 1) {
                        if page.add(key: keyMarker, version: version, isLatest: offset == 0) { return page.listing }
                    }
                }
            }
        }
        while true {
            let rows = try await versionsFrom(from, inclusive, Self.batch)
            guard let lastKey = rows.last?.key else { return page.finished() }
            // A full batch may end inside a key: keep only whole keys, or read the key whole when it filled the batch.
            var usable = rows[...]
            if rows.count == Self.batch {
                let firstOfLast = rows.firstIndex { $0.key == lastKey } ?? 0
                if firstOfLast > 0 {
                    usable = rows[..<firstOfLast]
                } else {
                    usable = try await keyVersions(lastKey).map { (key: lastKey, version: $0) }[...]
                }
            }
            var previousKey: String?
            var skippedTo: String?
            for row in usable {
                guard row.key.hasPrefix(query.prefix) else { return page.finished() }
                if let common = KeyOrder.commonPrefix(of: row.key, prefix: query.prefix, delimiter: query.delimiter) {
                    if page.addPrefix(common) { return page.listing }
                    guard let next = KeyOrder.successor(of: common) else { return page.finished() }
                    skippedTo = next
                    break
                }
                let isLatest = row.key != previousKey
                previousKey = row.key
                if page.add(key: row.key, version: row.version, isLatest: isLatest) { return page.listing }
            }
            if let skippedTo {
                from = skippedTo
                inclusive = true
            } else if let last = usable.last?.key {
                from = last
                inclusive = false
            }
        }
    }

    struct Page {
        let query: VersionListQuery
        var entries: [VersionListing.Entry] = []
        var lastPrefix: String?
        var listing = VersionListing(entries: [], isTruncated: false, nextKeyMarker: nil, nextVersionIdMarker: nil)

        init(query: VersionListQuery) { self.query = query }

        /// Adds a version; true when the page was already full (the listing is then truncated before it).
        mutating func add(key: String, version: StoredVersion, isLatest: Bool) -> Bool {
            if entries.count == query.limit { return truncate() }
            entries.append(.version(version, isLatest: isLatest))
            lastPrefix = nil
            listing.nextKeyMarker = key
            listing.nextVersionIdMarker = version.versionId
            return false
        }

        mutating func addPrefix(_ prefix: String) -> Bool {
            if lastPrefix == prefix { return false }
            if entries.count == query.limit { return truncate() }
            entries.append(.commonPrefix(prefix))
            lastPrefix = prefix
            listing.nextKeyMarker = prefix
            listing.nextVersionIdMarker = ""
            return false
        }

        mutating func truncate() -> Bool {
            listing.entries = entries
            listing.isTruncated = true
            return true
        }

        mutating func finished() -> VersionListing {
            VersionListing(entries: entries, isTruncated: false, nextKeyMarker: nil, nextVersionIdMarker: nil)
        }
    }
}
