import Crypto
import Foundation
import NIOCore
import SiloCore
import SiloStorageConformance
import Testing

@testable import SiloStorage

/// SSE-OSS at rest: sealed blobs hold no plaintext, read back whole or by any range (chunk boundaries included)
/// with the plaintext's size, MD5 and CRC-64, and refuse altered bytes and foreign master keys.
@Suite struct SealingBlobStoreTests {
    /// Three full chunks and a partial one, so ranges cross every kind of boundary.
    static let data = (0..<(3 * SealedChunks.plainSize + 1234)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 9)) }
    static let master = SymmetricKey(size: .bits256)

    func sealed(_ fixture: BlobStoreFixture, keys: DataKeys = DataKeys(masterKey: master)) -> SealingBlobStore {
        SealingBlobStore(inner: fixture.store, keys: keys)
    }

    func read(_ store: SealingBlobStore, _ extents: [Extent], _ range: Range<Int64>, chunk: Int = 10_000) async throws
        -> [UInt8]
    {
        let reader = try await store.reader(for: extents)
        var bytes: [UInt8] = []
        try await reader.read(range, chunkSize: chunk) { buffer in
            #expect(buffer.readableBytes <= chunk)
            bytes += buffer.readableBytesView
        }
        await reader.close()
        return bytes
    }

    @Test func sealedBlobsReadBackByAnyRangeAndHoldNoPlaintext() async throws {
        let fixture = try BlobStoreFixture()
        let store = sealed(fixture)
        let digest = try await store.writeSealed(ByteChunks([Array(Self.data[..<777]), Array(Self.data[777...])]),
                                                 limit: 1 << 30)
        #expect(digest.size == Int64(Self.data.count))
        #expect(digest.md5 == Array(Insecure.MD5.hash(data: Self.data)))
        #expect(digest.crc64 == CRC64.checksum(Self.data))
        #expect(digest.sealing?.blobSize == Int64(Self.data.count))
        await store.publish(digest.blob)
        let atRest = try await fixture.store.readWhole(
            [Extent(blob: digest.blob, length: SealedChunks.sealedLength(plain: digest.size))],
            range: 0..<SealedChunks.sealedLength(plain: digest.size))
        #expect(atRest.readableBytes == Self.data.count + 4 * SealedChunks.tagSize)
        let rest = Array(atRest.readableBytesView)
        #expect(!rest.starts(with: Self.data.prefix(64)) && rest != Self.data)
        let extent = digest.extent
        #expect(try await read(store, [extent], 0..<digest.size) == Self.data)
        let plainChunk = Int64(SealedChunks.plainSize)
        for range in [0..<1, plainChunk - 1..<plainChunk + 1, 5..<3 * plainChunk + 1000, 3 * plainChunk..<digest.size,
                      digest.size - 1..<digest.size] {
            #expect(try await read(store, [extent], range, chunk: 4096) == Array(Self.data[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
        // A slice of the blob (a copy's or a part copy's extent) beside a plaintext extent.
        let plain = try await store.write(ByteChunks([Array("tail".utf8)]), limit: 100)
        let slice = Extent(blob: digest.blob, offset: plainChunk - 10, length: 20, sealing: digest.sealing)
        let mixed = try await read(store, [slice, plain.extent], 0..<24)
        #expect(mixed == Array(Self.data[Int(plainChunk) - 10..<Int(plainChunk) + 10]) + Array("tail".utf8))
        #expect(try await store.readWhole([slice, plain.extent], range: 5..<22) == ByteBuffer(bytes: mixed[5..<22]))
        #expect(!store.canSendFiles([slice]) && store.canSendFiles([plain.extent]))
    }

    @Test func alteredBytesAndForeignKeysAreRefused() async throws {
        let fixture = try BlobStoreFixture()
        let store = sealed(fixture)
        let digest = try await store.writeSealed(ByteChunks([Array(Self.data.prefix(100_000))]), limit: 1 << 30)
        await store.publish(digest.blob)
        let stranger = sealed(fixture, keys: DataKeys(masterKey: SymmetricKey(size: .bits256)))
        await #expect(throws: SealedBlobError.self) { _ = try await read(stranger, [digest.extent], 0..<10) }
        // Flip one byte of the second chunk at rest: that chunk fails, the first still reads.
        let path = fixture.directory + "/blobs/" + digest.blob.raw.prefix(2) + "/" + digest.blob.raw.dropFirst(2).prefix(2)
            + "/" + digest.blob.raw
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(SealedChunks.sealedSize + 5))
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: UInt64(SealedChunks.sealedSize + 5))
        try handle.write(contentsOf: [byte ^ 0xFF])
        try handle.close()
        #expect(try await read(store, [digest.extent], 0..<100) == Array(Self.data.prefix(100)))
        await #expect(throws: SealedBlobError.self) {
            _ = try await read(store, [digest.extent], Int64(SealedChunks.plainSize)..<Int64(SealedChunks.plainSize) + 10)
        }
    }

    @Test func limitsCountPlaintextAndAStoreWithoutKeysRefusesToSeal() async throws {
        let fixture = try BlobStoreFixture()
        await #expect(throws: BlobWriteError.self) {
            _ = try await sealed(fixture).writeSealed(ByteChunks([Array(Self.data.prefix(70_000))]), limit: 69_999)
        }
        let exact = try await sealed(fixture).writeSealed(ByteChunks([Array(Self.data.prefix(70_000))]), limit: 70_000)
        #expect(exact.size == 70_000)
        await #expect(throws: SealedBlobError.self) {
            _ = try await SealingBlobStore(inner: fixture.store, keys: nil).writeSealed(ByteChunks([[1]]), limit: 10)
        }
    }
}
