import Foundation
import SiloDomain
import SiloIAM
import SiloMetadataSQLite
import SiloStorage
import SiloStorageConformance
import Testing

/// The SQLite store against every concern's conformance suite.
@Suite struct SQLiteConformanceTests {
    static func store() throws -> (SQLiteMetadataStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (try SQLiteMetadataStore(path: directory.appendingPathComponent("m.sqlite").path), directory)
    }

    @Test(arguments: ObjectStoreConformance.checks.map(\.name))
    func objects(check: String) async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await #require(ObjectStoreConformance.checks.first { $0.name == check }).run(store)
    }

    @Test(arguments: MultipartStoreConformance.checks.map(\.name))
    func multipart(check: String) async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await #require(MultipartStoreConformance.checks.first { $0.name == check }).run(store)
    }

    @Test(arguments: MediaJobStoreConformance.checks.map(\.name))
    func mediaJobs(check: String) async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await #require(MediaJobStoreConformance.checks.first { $0.name == check }).run(store)
    }

    @Test(arguments: EventStoreConformance.checks.map(\.name))
    func events(check: String) async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await #require(EventStoreConformance.checks.first { $0.name == check }).run(store)
    }

    @Test(arguments: ImageStyleStoreConformance.checks.map(\.name))
    func imageStyles(check: String) async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await #require(ImageStyleStoreConformance.checks.first { $0.name == check }).run(store)
    }

    @Test(arguments: IAMStoreConformance.checks.map(\.name))
    func identity(check: String) async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await #require(IAMStoreConformance.checks.first { $0.name == check }).run(store)
    }

    @Test func reopeningKeepsCommittedState() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.sqlite").path
        let blob = BlobID.random()
        do {
            let store = try SQLiteMetadataStore(path: path)
            _ = try await store.createBucket(BucketRecord(name: "b", owner: "1", createdAt: 1, acl: .private, storageClass: .ia))
            let record = ObjectStoreConformance.object("k", blobs: [blob])
            _ = try await store.commitObject(record, newBlobs: [blob], condition: .none)
        }
        let reopened = try SQLiteMetadataStore(path: path)
        #expect(try await reopened.bucket("b")?.storageClass == .ia)
        #expect(try await reopened.object(bucket: "b", key: "k")?.extents.first?.blob == blob)
        #expect(try await reopened.isReferenced(blob))
    }

    @Test func commitsAreSyncedToDiskBeforeTheyReturn() async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        // FULL (2), not the NORMAL (1) GRDB sets for WAL pools, under which a commit waits for no fsync.
        #expect(try await store.writerSynchronousLevel() == 2)
    }

    /// Grouped commits must not hold the writer while PUTs keep coming: a delete queued among them completes
    /// while they still stream in.
    @Test func aStreamOfCommitsDoesNotStarveOtherWrites() async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await store.createBucket(BucketRecord(name: "b", owner: "1", createdAt: 1, acl: .private, storageClass: .standard))
        try await TestCommits.put(store, "victim")
        let stop = StopFlag()
        let deadline = Date().addingTimeInterval(20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // More writers than one batch holds, so commits are always waiting when a batch ends.
            for writer in 0..<200 {
                group.addTask {
                    var round = 0
                    while !stop.isSet && Date() < deadline {
                        try await TestCommits.put(store, "w\(writer)-\(round % 4)")
                        round += 1
                    }
                }
            }
            try await Task.sleep(nanoseconds: 200_000_000)
            _ = try await store.deleteObjects(bucket: "b", keys: ["victim"])
            let stillStreaming = Date() < deadline
            stop.set()
            try await group.waitForAll()
            #expect(stillStreaming, "the delete waited until the commits stopped")
        }
        #expect(try await store.object(bucket: "b", key: "victim") == nil)
    }
}

/// Set once, read from any task.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

enum TestCommits {
    static func put(_ store: SQLiteMetadataStore, _ key: String) async throws {
        let record = ObjectStoreConformance.object(key, blobs: [BlobID.random()])
        _ = try await store.commitObject(record, newBlobs: Set(record.extents.map(\.blob)), condition: .none)
    }
}
