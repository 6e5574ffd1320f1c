import Foundation
import NIOConcurrencyHelpers
import SiloCore
@testable import SiloMetadataSQLite
import SiloStorage
import SiloStorageConformance
import Testing

/// The in-memory copy of objects' rows: a read after a write's commit never answers what was there before it,
/// whichever way the write went (overwrite, delete, attributes, versioning).
@Suite struct ObjectRowCacheTests {
    static func record(_ key: String, etag: String, bucket: String = "b") -> ObjectRecord {
        ObjectStoreConformance.object(key, in: bucket, blobs: [BlobID.random()], etag: etag)
    }

    static func store() async throws -> (SQLiteMetadataStore, URL) {
        let (store, directory) = try SQLiteConformanceTests.store()
        _ = try await store.createBucket(BucketRecord(name: "b", owner: "1", createdAt: 1, acl: .private, storageClass: .standard))
        return (store, directory)
    }

    static func put(_ store: SQLiteMetadataStore, _ record: ObjectRecord) async throws {
        let outcome = try await store.commitObject(record, newBlobs: Set(record.extents.map(\.blob)), condition: .none)
        guard case .committed = outcome else { throw ConformanceFailure("commit answered \(outcome)") }
    }

    // MARK: the cache alone

    @Test func aRowReadBeforeACommitIsNotKept() throws {
        let cache = ObjectRowCache()
        let ticket = try #require(cache.readTicket())
        cache.commitBegins()
        cache.commitEnds()
        cache.store(Self.record("k", etag: "OLD"), ticket: ticket)
        #expect(cache.cached(bucket: "b", key: "k") == nil)
        #expect(cache.count == 0)
    }

    @Test func nothingIsAnsweredOrKeptWhileACommitIsUnderWay() throws {
        let cache = ObjectRowCache()
        let before = try #require(cache.readTicket())
        cache.store(Self.record("k", etag: "E"), ticket: before)
        #expect(cache.cached(bucket: "b", key: "k")?.etag == "E")
        cache.commitBegins()
        #expect(cache.readTicket() == nil)
        #expect(cache.cached(bucket: "b", key: "k") == nil)
        cache.commitEnds()
        // A rollback changed nothing, but the entry's generation is gone: it is read again, never guessed.
        #expect(cache.cached(bucket: "b", key: "k") == nil)
        let after = try #require(cache.readTicket())
        #expect(after != before)
        cache.store(Self.record("k", etag: "E"), ticket: after)
        #expect(cache.cached(bucket: "b", key: "k")?.etag == "E")
        #expect(cache.cached(bucket: "other", key: "k") == nil)
    }

    @Test func theBudgetBoundsWhatIsKept() throws {
        let cache = ObjectRowCache(byteBudget: 8 << 10, largestRow: 2 << 10)
        let ticket = try #require(cache.readTicket())
        for index in 0..<100 { cache.store(Self.record("key-\(index)", etag: "E"), ticket: ticket) }
        let perRow = ObjectRowCache.estimatedBytes(Self.record("key-00", etag: "E"))
        #expect(cache.count >= 1 && cache.count <= (8 << 10) / perRow)
        #expect(cache.cached(bucket: "b", key: "key-99") != nil)
        var large = Self.record("large", etag: "E")
        large.userMetadata = [MetadataEntry("m", String(repeating: "x", count: 4 << 10))]
        cache.store(large, ticket: ticket)
        #expect(cache.cached(bucket: "b", key: "large") == nil)
    }

    // MARK: through the store

    @Test func readsFollowEveryKindOfWrite() async throws {
        let (store, directory) = try await Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await Self.put(store, Self.record("k", etag: "E1"))
        #expect(try await store.object(bucket: "b", key: "k")?.etag == "E1")
        #expect(store.rows.count == 1)
        #expect(try await store.object(bucket: "b", key: "k")?.etag == "E1")

        try await Self.put(store, Self.record("k", etag: "E2"))
        #expect(try await store.object(bucket: "b", key: "k")?.etag == "E2")

        let current = try #require(try await store.object(bucket: "b", key: "k"))
        #expect(try await store.updateAttributes(bucket: "b", key: "k", versionId: nil, expected: ObjectVersion(current),
                                                 acl: .publicRead, tags: ObjectTagSet(), storageClass: .ia))
        let updated = try await store.object(bucket: "b", key: "k")
        #expect(updated?.acl == .publicRead && updated?.storageClass == .ia && updated?.tags.isEmpty == true)

        _ = try await store.deleteObjects(bucket: "b", keys: ["k"])
        #expect(try await store.object(bucket: "b", key: "k") == nil)

        try await Self.put(store, Self.record("k", etag: "E3"))
        _ = try await store.object(bucket: "b", key: "k")
        let third = try #require(try await store.object(bucket: "b", key: "k"))
        #expect(try await store.deleteObject(bucket: "b", key: "k", ifVersion: ObjectVersion(third)))
        #expect(try await store.object(bucket: "b", key: "k") == nil)
    }

    /// Readers racing a writer: a read that starts after a write was acknowledged never answers an older row.
    @Test func aReadNeverAnswersOlderThanTheLastAcknowledgedWrite() async throws {
        let (store, directory) = try await Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await Self.put(store, Self.record("k", etag: "0"))
        let acknowledged = NIOLockedValueBox(0)
        let writes = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for version in 1...writes {
                    try await Self.put(store, Self.record("k", etag: String(version)))
                    acknowledged.withLockedValue { $0 = version }
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    var done = false
                    while !done {
                        let floor = acknowledged.withLockedValue { $0 }
                        let read = try #require(try await store.object(bucket: "b", key: "k"))
                        let seen = try #require(Int(read.etag))
                        #expect(seen >= floor, "read \(seen) after \(floor) was acknowledged")
                        done = floor == writes
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.object(bucket: "b", key: "k")?.etag == String(writes))
    }
}

/// The two answers of `lookup`, as the rules above speak of them.
extension ObjectRowCache {
    func cached(bucket: String, key: String) -> ObjectRecord? {
        if case .hit(let record) = lookup(bucket: bucket, key: key) { return record }
        return nil
    }

    /// The ticket a read of a row that is not cached gets.
    func readTicket() -> UInt64? {
        switch lookup(bucket: "", key: "a key no test stores") {
        case .miss(let ticket): return ticket
        case .hit: Issue.record("a row no test stores was answered"); return nil
        }
    }
}
