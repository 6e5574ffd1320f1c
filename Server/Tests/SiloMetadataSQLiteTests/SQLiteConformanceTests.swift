import Foundation
import SiloMetadataSQLite
import SiloStorage
import SiloStorageConformance
import Testing

@Suite struct SQLiteConformanceTests {
    @Test(arguments: MetadataStoreConformance.checks.map(\.name))
    func conformance(check: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteMetadataStore(path: directory.appendingPathComponent("m.sqlite").path)
        let run = try #require(MetadataStoreConformance.checks.first { $0.name == check }).run
        try await run(store)
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
            let record = MetadataStoreConformance.object("k", blobs: [blob])
            _ = try await store.commitObject(record, newBlobs: [blob], condition: .none)
        }
        let reopened = try SQLiteMetadataStore(path: path)
        #expect(try await reopened.bucket("b")?.storageClass == .ia)
        #expect(try await reopened.object(bucket: "b", key: "k")?.extents.first?.blob == blob)
        #expect(try await reopened.isReferenced(blob))
    }
}
