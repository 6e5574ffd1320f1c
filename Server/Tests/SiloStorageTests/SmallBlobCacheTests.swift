import NIOCore
import SiloCore
import SiloStorageConformance
import Testing

@testable import SiloStorage

/// Small blobs' bytes in memory: only whole reads of a blob from its first byte are kept, any range of them is
/// answered, and a deleted blob's bytes go with its file.
@Suite struct SmallBlobCacheTests {
    static let data = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) }

    @Test func aWholeReadIsKeptAndAnyRangeOfItAnswered() {
        let cache = SmallBlobCache()
        let extent = Extent(blob: BlobID.random(), length: 3000)
        #expect(cache.read([extent], range: 0..<3000) == nil)
        cache.keep([extent], range: 0..<3000, bytes: ByteBuffer(bytes: Self.data))
        #expect(cache.read([extent], range: 0..<3000) == ByteBuffer(bytes: Self.data))
        #expect(cache.read([extent], range: 100..<250) == ByteBuffer(bytes: Self.data[100..<250]))
        #expect(cache.read([extent], range: 2999..<3000) == ByteBuffer(bytes: Self.data[2999...]))
        #expect(cache.read([extent], range: 0..<3001) == nil)
        // Another object using a later part of the same blob reads from the same bytes.
        let tail = Extent(blob: extent.blob, offset: 1000, length: 2000)
        #expect(cache.read([tail], range: 10..<20) == ByteBuffer(bytes: Self.data[1010..<1020]))
        cache.forget(extent.blob)
        #expect(cache.read([extent], range: 0..<3000) == nil)
        #expect(cache.count == 0)
    }

    @Test func onlyWholeUnsealedSingleExtentReadsFromTheFirstByteAreKept() {
        let cache = SmallBlobCache(largestBlob: 2048)
        let blob = BlobID.random()
        let bytes = ByteBuffer(bytes: Self.data[..<1000])
        cache.keep([Extent(blob: blob, length: 1000)], range: 0..<999, bytes: ByteBuffer(bytes: Self.data[..<999]))
        cache.keep([Extent(blob: blob, offset: 10, length: 1000)], range: 0..<1000, bytes: bytes)
        cache.keep([Extent(blob: blob, length: 500), Extent(blob: BlobID.random(), length: 500)], range: 0..<1000, bytes: bytes)
        cache.keep([Extent(blob: blob, length: 1000)], range: 0..<1000, bytes: ByteBuffer(bytes: Self.data[..<900]))
        cache.keep([Extent(blob: blob, length: 3000)], range: 0..<3000, bytes: ByteBuffer(bytes: Self.data))
        let sealed = Extent(blob: blob, length: 1000, sealing: Sealing(wrappedKey: "wrapped", blobSize: 1000))
        cache.keep([sealed], range: 0..<1000, bytes: bytes)
        #expect(cache.count == 0)
    }

    @Test func theBudgetBoundsWhatIsKept() {
        let cache = SmallBlobCache(byteBudget: 10_000, largestBlob: 3000)
        let extents = (0..<20).map { _ in Extent(blob: BlobID.random(), length: 3000) }
        for extent in extents { cache.keep([extent], range: 0..<3000, bytes: ByteBuffer(bytes: Self.data)) }
        #expect(cache.count >= 1 && cache.count <= 3)
        #expect(cache.read([extents[19]], range: 0..<3000) != nil)
    }

    @Test func theStoreAnswersFromMemoryUntilTheBlobIsDeleted() async throws {
        let fixture = try BlobStoreFixture()
        let digest = try await fixture.store.write(ByteChunks([Self.data]), limit: 10_000)
        await fixture.store.publish(digest.blob)
        #expect(try await fixture.store.readWhole([digest.extent], range: 0..<3000) == ByteBuffer(bytes: Self.data))
        #expect(fixture.store.smallBlobs.count == 1)
        #expect(try await fixture.store.readWhole([digest.extent], range: 7..<70) == ByteBuffer(bytes: Self.data[7..<70]))
        try await fixture.store.delete(digest.blob)
        #expect(fixture.store.smallBlobs.count == 0)
        await #expect(throws: (any Error).self) {
            _ = try await fixture.store.readWhole([digest.extent], range: 0..<3000)
        }
    }
}
