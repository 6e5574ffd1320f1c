import SiloCore

/// One listing entry: an object, or a common prefix when listing with a delimiter.
public enum ListEntry: Sendable, Hashable {
    case object(ObjectSummary)
    case commonPrefix(String)
}

/// ListObjectsV2 as an async sequence: pages are fetched as the iteration reaches them.
public struct ObjectListing: AsyncSequence, Sendable {
    public typealias Element = ListEntry
    let bucket: Bucket
    let prefix: String
    let delimiter: String?
    let startAfter: String?
    let pageSize: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        let listing: ObjectListing
        var buffer: [ListEntry] = []
        var index = 0
        var continuation: String?
        var finished = false

        public mutating func next() async throws -> ListEntry? {
            while index >= buffer.count {
                if finished { return nil }
                try await fetch()
            }
            defer { index += 1 }
            return buffer[index]
        }

        private mutating func fetch() async throws {
            var query = QueryParameters()
            query.append("list-type", "2")
            query.append("prefix", listing.prefix)
            if let delimiter = listing.delimiter { query.append("delimiter", delimiter) }
            query.append("max-keys", String(listing.pageSize))
            query.append("encoding-type", "url")
            if let continuation {
                query.append("continuation-token", continuation)
            } else if let startAfter = listing.startAfter {
                query.append("start-after", startAfter)
            }
            let request = ClientRequest(method: .get, bucket: listing.bucket.name, query: query)
            let (_, page) = try await listing.bucket.client.sendForXML(request, as: ListBucketV2Result.self)
            // Objects and prefixes interleave in key order, as a file browser expects.
            let entries = page.page.objects.map { (key: $0.key, entry: ListEntry.object($0)) }
                + page.page.commonPrefixes.map { (key: $0, entry: ListEntry.commonPrefix($0)) }
            buffer = entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map(\.entry)
            index = 0
            continuation = page.nextContinuationToken
            finished = continuation == nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(listing: self) }

    /// Every entry, loaded into memory.
    public func collect() async throws -> [ListEntry] {
        var all: [ListEntry] = []
        for try await entry in self { all.append(entry) }
        return all
    }
}
