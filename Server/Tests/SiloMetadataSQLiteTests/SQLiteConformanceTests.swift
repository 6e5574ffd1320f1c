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
}
