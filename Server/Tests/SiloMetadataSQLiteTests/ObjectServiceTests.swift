import Crypto
import Foundation
import Logging
import NIOPosix
import SiloCore
import SiloMetadataSQLite
import SiloStorage
import SiloStorageConformance
import Testing

/// ObjectService over the real stores: what a write leaves behind, in bytes and in metadata.
final class StorageFixture: @unchecked Sendable {
    let directory: String
    let pool: NIOThreadPool
    let metadata: SQLiteMetadataStore
    let blobs: LocalBlobStore
    let service: ObjectService
    let bucket = BucketRecord(name: "bkt", owner: "1", createdAt: 1, acl: .private, storageClass: .standard)

    init(journalUpTo: Int = 0) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-svc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        metadata = try SQLiteMetadataStore(path: directory + "/m.sqlite")
        blobs = try LocalBlobStore(root: directory, pool: pool, journalUpTo: journalUpTo)
        service = ObjectService(metadata: metadata, blobs: blobs)
        _ = try await metadata.createBucket(bucket)
    }

    deinit {
        try? pool.syncShutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var collector: GarbageCollector {
        GarbageCollector(metadata: metadata, blobs: blobs, grace: 0, clock: { Int64(Date().timeIntervalSince1970) },
                         logger: Logger(label: "test"))
    }

    func put(_ key: String, _ bytes: [UInt8], md5: String? = nil, length: Int64? = nil, forbid: Bool = false) async throws -> ObjectRecord {
        try await service.put(bucket: bucket, key: key, body: ByteChunks(bytes), expectedLength: length ?? Int64(bytes.count),
                              contentMD5: md5, attributes: ObjectAttributes(), forbidOverwrite: forbid)
    }

    func append(_ key: String, at position: Int64, _ bytes: [UInt8]) async throws -> ObjectRecord {
        try await service.append(bucket: bucket, key: key, position: position, body: ByteChunks(bytes),
                                 expectedLength: Int64(bytes.count), contentMD5: nil, attributes: ObjectAttributes())
    }

    func read(_ key: String) async throws -> [UInt8] {
        let record = try #require(try await metadata.object(bucket: bucket.name, key: key))
        let reader = try await blobs.reader(for: record.extents)
        var bytes: [UInt8] = []
        try await reader.read(0..<record.size, chunkSize: 4096) { bytes += $0.readableBytesView }
        await reader.close()
        return bytes
    }

    /// After collection, the files on disk are exactly the blobs metadata refers to.
    func expectNoOrphans() async throws {
        try await collector.collect(releasedBefore: Int64.max)
        let onDisk = try await blobs.allBlobs()
        let known = try await metadata.knownBlobs()
        #expect(onDisk == known)
        for blob in known { #expect(try await metadata.isReferenced(blob)) }
    }
}

@Suite struct ObjectServiceTests {
    static let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    @Test func putComputesETagCRCAndMD5() async throws {
        let fixture = try await StorageFixture()
        let record = try await fixture.put("k", Self.bytes)
        #expect(record.etag == Hex.upper(Insecure.MD5.hash(data: Self.bytes)))
        #expect(record.crc64 == CRC64.checksum(Self.bytes))
        #expect(record.contentMD5 == Data(Insecure.MD5.hash(data: Self.bytes)).base64EncodedString())
        #expect(record.contentType == "application/octet-stream")
        #expect(try await fixture.read("k") == Self.bytes)
        try await fixture.expectNoOrphans()
    }

    @Test func rejectedWritesLeaveNothing() async throws {
        let fixture = try await StorageFixture()
        let wrongMD5 = Data(Insecure.MD5.hash(data: [1, 2, 3])).base64EncodedString()
        await #expect(throws: StorageError.digestMismatch) { try await fixture.put("k", Self.bytes, md5: wrongMD5) }
        await #expect(throws: StorageError.incompleteBody(expected: 20_000, received: Int64(Self.bytes.count))) { try await fixture.put("k", Self.bytes, length: 20_000) }
        await #expect(throws: ByteChunks.DroppedConnection.self) {
            try await fixture.service.put(bucket: fixture.bucket, key: "k", body: ByteChunks([Self.bytes], failAfter: true),
                                          expectedLength: nil, contentMD5: nil, attributes: ObjectAttributes(),
                                          forbidOverwrite: false)
        }
        #expect(try await fixture.metadata.object(bucket: "bkt", key: "k") == nil)
        #expect(try await fixture.blobs.allBlobs().isEmpty)
    }

    @Test func overwriteReleasesTheOldBytesAndForbidOverwriteHolds() async throws {
        let fixture = try await StorageFixture()
        _ = try await fixture.put("k", [1, 2, 3])
        _ = try await fixture.put("k", [4, 5])
        await #expect(throws: StorageError.objectExists("k")) { try await fixture.put("k", [6], forbid: true) }
        #expect(try await fixture.read("k") == [4, 5])
        try await fixture.expectNoOrphans()
        #expect(try await fixture.blobs.allBlobs().count == 1)
    }

    @Test func appendsCombineCRCAndCheckPositions() async throws {
        let fixture = try await StorageFixture()
        var record = try await fixture.append("log", at: 0, Array(Self.bytes[..<100]))
        record = try await fixture.append("log", at: 100, Array(Self.bytes[100..<5000]))
        record = try await fixture.append("log", at: 5000, [])
        record = try await fixture.append("log", at: 5000, Array(Self.bytes[5000...]))
        #expect(record.type == .appendable && record.size == 10_000)
        #expect(record.crc64 == CRC64.checksum(Self.bytes))
        #expect(record.extents.count == 3)
        #expect(try await fixture.read("log") == Self.bytes)
        await #expect(throws: StorageError.positionMismatch(currentLength: 10_000)) { try await fixture.append("log", at: 3, [1]) }
        await #expect(throws: StorageError.positionMismatch(currentLength: 0)) { try await fixture.append("new", at: 5, [1]) }
        _ = try await fixture.put("plain", [1])
        await #expect(throws: StorageError.notAppendable("plain")) { try await fixture.append("plain", at: 1, [2]) }
        try await fixture.expectNoOrphans()
    }

    @Test func concurrentAppendsAtOnePositionHaveOneWinner() async throws {
        let fixture = try await StorageFixture()
        _ = try await fixture.append("log", at: 0, [0])
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for value in 1...8 {
                group.addTask { (try? await fixture.append("log", at: 1, [UInt8(value)])) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await fixture.read("log").count == 2)
        try await fixture.expectNoOrphans()
    }

    @Test func copiesShareBytesAndOutliveTheirSource() async throws {
        let fixture = try await StorageFixture()
        let source = try await fixture.put("src", Self.bytes)
        let copy = try await fixture.service.copy(from: source, to: fixture.bucket, key: "dst", replacing: nil, acl: nil,
                                                  storageClass: nil, forbidOverwrite: false)
        #expect(copy.extents == source.extents && copy.etag == source.etag)
        #expect(try await fixture.blobs.allBlobs().count == 1)
        try await fixture.service.delete(bucket: "bkt", keys: ["src"])
        try await fixture.expectNoOrphans()
        #expect(try await fixture.read("dst") == Self.bytes)
        // Copying from a version whose bytes were released is refused, not dangling.
        let stale = source
        try await fixture.service.delete(bucket: "bkt", keys: ["dst"])
        try await fixture.expectNoOrphans()
        await #expect(throws: SourceReleased.self) {
            _ = try await fixture.service.copy(from: stale, to: fixture.bucket, key: "again", replacing: nil, acl: nil,
                                               storageClass: nil, forbidOverwrite: false)
        }
    }

    @Test func recoveryPublishesCommittedAndDropsUncommittedStagedBlobs() async throws {
        let fixture = try await StorageFixture()
        let committed = try await fixture.blobs.write(ByteChunks([[1, 2, 3]]), limit: 10)
        let abandoned = try await fixture.blobs.write(ByteChunks([[4]]), limit: 10)
        // Simulates a crash between the metadata commit and the publish.
        var record = try await fixture.put("other", [9])
        record.key = "k"
        record.size = 3
        record.extents = [committed.extent]
        _ = try await fixture.metadata.commitObject(record, newBlobs: [committed.blob], condition: .none)
        try await fixture.collector.recover()
        #expect(try await fixture.blobs.allBlobs().contains(committed.blob))
        #expect(try await !fixture.blobs.allBlobs().contains(abandoned.blob))
        #expect(try await fixture.read("k") == [1, 2, 3])
        try await fixture.expectNoOrphans()
    }

    @Test func symlinkRecordsItsTarget() async throws {
        let fixture = try await StorageFixture()
        let link = try await fixture.service.putSymlink(bucket: fixture.bucket, key: "link", target: "target/key",
                                                        attributes: ObjectAttributes(), forbidOverwrite: false)
        #expect(link.type == .symlink && link.symlinkTarget == "target/key" && link.size == 0)
        #expect(try await fixture.metadata.object(bucket: "bkt", key: "link")?.symlinkTarget == "target/key")
    }
}
