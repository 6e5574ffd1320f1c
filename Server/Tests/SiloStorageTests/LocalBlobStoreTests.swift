import Crypto
import Foundation
import NIOCore
import NIOPosix
import SiloCore
import SiloStorageConformance
import Testing

@testable import SiloStorage

/// A temporary blob store on a small thread pool; removed at the end of each test.
final class BlobStoreFixture {
    let directory: String
    let pool: NIOThreadPool
    let store: LocalBlobStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-blobs-\(UUID().uuidString)").path
        pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        store = try LocalBlobStore(root: directory, pool: pool, writeBatchBytes: 1000)
    }

    deinit {
        try? pool.syncShutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func files(in sub: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory + "/" + sub)?.allObjects as? [String] ?? [])
            .filter { !$0.contains("/") || $0.split(separator: "/").count == 3 }
            .compactMap { $0.split(separator: "/").last.map(String.init) }
            .filter { BlobID($0) != nil }
    }
}

func read(_ store: LocalBlobStore, _ extents: [Extent], _ range: Range<Int64>, chunk: Int = 7) async throws -> [UInt8] {
    let reader = try await store.reader(for: extents)
    var bytes: [UInt8] = []
    try await reader.read(range, chunkSize: chunk) { buffer in bytes += buffer.readableBytesView }
    await reader.close()
    return bytes
}

@Suite struct LocalBlobStoreTests {
    static let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }

    @Test func writeHashesAndStagesDurably() async throws {
        let fixture = try BlobStoreFixture()
        let digest = try await fixture.store.write(ByteChunks([Array(Self.data[..<1234]), Array(Self.data[1234...])]), limit: 10_000)
        #expect(digest.size == 5000)
        #expect(digest.md5 == Array(Insecure.MD5.hash(data: Self.data)))
        #expect(digest.crc64 == CRC64.checksum(Self.data))
        #expect(fixture.files(in: "staging") == [digest.blob.raw])
        // Readable from staging before publication, and after it from its shard.
        #expect(try await read(fixture.store, [digest.extent], 0..<5000) == Self.data)
        await fixture.store.publish(digest.blob)
        #expect(fixture.files(in: "staging").isEmpty)
        #expect(fixture.files(in: "blobs") == [digest.blob.raw])
        #expect(try await read(fixture.store, [digest.extent], 100..<4000, chunk: 1024) == Array(Self.data[100..<4000]))
    }

    @Test func readsSpanExtentsWithOffsets() async throws {
        let fixture = try BlobStoreFixture()
        let first = try await fixture.store.write(ByteChunks([Array(Self.data[..<3000])]), limit: 10_000)
        let second = try await fixture.store.write(ByteChunks([Array(Self.data[3000...])]), limit: 10_000)
        await fixture.store.publish(first.blob)
        let extents = [Extent(blob: first.blob, offset: 1000, length: 2000), second.extent]
        let logical = Array(Self.data[1000..<3000]) + Array(Self.data[3000...])
        let reader = try await fixture.store.reader(for: extents)
        #expect(reader.size == 4000)
        await reader.close()
        for range: Range<Int64> in [0..<4000, 0..<1, 1999..<2001, 2000..<4000, 3999..<4000, 500..<3500] {
            #expect(try await read(fixture.store, extents, range) == Array(logical[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
    }

    @Test func overLimitAndFailingBodiesLeaveNothing() async throws {
        let fixture = try BlobStoreFixture()
        await #expect(throws: BlobWriteError.self) {
            try await fixture.store.write(ByteChunks([Self.data, Self.data]), limit: 6000)
        }
        await #expect(throws: ByteChunks.DroppedConnection.self) {
            try await fixture.store.write(ByteChunks([Self.data], failAfter: true), limit: 100_000)
        }
        #expect(fixture.files(in: "staging").isEmpty)
        #expect(try await fixture.store.allBlobs().isEmpty)
    }

    @Test func emptyBlob() async throws {
        let fixture = try BlobStoreFixture()
        let digest = try await fixture.store.write(ByteChunks([[UInt8]]()), limit: 10)
        #expect(digest.size == 0 && digest.crc64 == 0)
        #expect(digest.md5 == Array(Insecure.MD5.hash(data: [UInt8]())))
    }

    @Test func deleteFindsEitherPlaceAndIsIdempotent() async throws {
        let fixture = try BlobStoreFixture()
        let staged = try await fixture.store.write(ByteChunks([[1, 2, 3]]), limit: 10)
        let published = try await fixture.store.write(ByteChunks([[4, 5]]), limit: 10)
        await fixture.store.publish(published.blob)
        try await fixture.store.delete(staged.blob)
        try await fixture.store.delete(published.blob)
        try await fixture.store.delete(published.blob)
        #expect(try await fixture.store.allBlobs().isEmpty)
        // A publish after a delete finds nothing to move and creates nothing.
        await fixture.store.publish(staged.blob)
        #expect(try await fixture.store.allBlobs().isEmpty)
    }

    @Test func recoverySettlesStaging() async throws {
        let fixture = try BlobStoreFixture()
        let kept = try await fixture.store.write(ByteChunks([[1]]), limit: 10)
        let dropped = try await fixture.store.write(ByteChunks([[2]]), limit: 10)
        _ = FileManager.default.createFile(atPath: fixture.directory + "/staging/not-a-blob", contents: Data([0]))
        let keptID = kept.blob
        let report = try await fixture.store.recover { $0 == keptID }
        #expect(report == RecoveryReport(published: 1, discarded: 2))
        #expect(fixture.files(in: "staging").isEmpty)
        #expect(try await fixture.store.allBlobs() == [kept.blob])
        #expect(try await read(fixture.store, [kept.extent], 0..<1) == [1])
        _ = dropped
    }

    @Test func missingBlobIsAnError() async throws {
        let fixture = try BlobStoreFixture()
        await #expect(throws: StorageIOError.self) {
            _ = try await fixture.store.reader(for: [Extent(blob: BlobID.random(), length: 1)])
        }
    }
}

@Suite struct BlobIDTests {
    @Test(arguments: ["", "../../etc/passwd", String(repeating: "A", count: 32), String(repeating: "0", count: 31),
                      String(repeating: "g", count: 32), String(repeating: "0", count: 31) + "/"])
    func rejectsAnythingButLowerHex(raw: String) {
        #expect(BlobID(raw) == nil)
    }

    @Test func randomIdsAreDistinctAndValid() {
        let ids = (0..<1000).map { _ in BlobID.random() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { BlobID($0.raw) == $0 })
    }
}
