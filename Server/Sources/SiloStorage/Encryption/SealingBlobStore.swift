import Crypto
import NIOConcurrencyHelpers
import NIOCore
import SiloCore

/// A blob store that can also seal (SSE-OSS): `writeSealed` encrypts a body on its way into the inner store, and
/// every read opens the sealed extents it meets, so the rest of Silo reads plaintext whatever the bytes at rest
/// are. Extents without sealing pass straight through, sendfile included.
public struct SealingBlobStore: FileBackedBlobStore {
    public let inner: any BlobStore
    let keys: DataKeys?

    /// Without keys, plaintext works as before and any sealed request fails with `SealedBlobError.unavailable`.
    public init(inner: any BlobStore, keys: DataKeys?) {
        self.inner = inner
        self.keys = keys
    }

    func requireKeys() throws -> DataKeys {
        guard let keys else { throw SealedBlobError.unavailable }
        return keys
    }

    public func write<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        try await inner.write(body, limit: limit)
    }

    /// Streams `body` into a new blob sealed with a fresh data key. Size, MD5 and CRC-64 are the plaintext's.
    public func writeSealed<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        let (key, wrapped) = try requireKeys().generate()
        let plain = PlainDigest()
        let sealed = try await inner.write(SealingSequence(base: body, key: key, digest: plain),
                                           limit: SealedChunks.sealedLength(plain: limit))
        let (size, md5, crc) = plain.finish()
        return BlobDigest(blob: sealed.blob, size: size, md5: md5, crc64: crc,
                          sealing: Sealing(wrappedKey: wrapped, blobSize: size))
    }

    /// Plaintext only: a sealed body is always written with `writeSealed`, which syncs.
    public func writeJournaled<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        try await inner.writeJournaled(body, limit: limit)
    }

    public func restoreJournaled(_ blob: BlobID, bytes: [UInt8]) async throws {
        try await inner.restoreJournaled(blob, bytes: bytes)
    }

    public func syncWrittenBlobs() async throws { try await inner.syncWrittenBlobs() }

    public func publish(_ blob: BlobID) async { await inner.publish(blob) }
    public func publish(_ blobs: [BlobID]) async { await inner.publish(blobs) }
    public func discard(_ blob: BlobID) async { await inner.discard(blob) }
    public func delete(_ blob: BlobID) async throws { try await inner.delete(blob) }

    public func reader(for extents: [Extent]) async throws -> BlobReader {
        guard extents.contains(where: { $0.sealing != nil }) else { return try await inner.reader(for: extents) }
        return SealedReader(extents: extents, inner: inner, keys: try requireKeys())
    }

    public func readWhole(_ extents: [Extent], range: Range<Int64>) async throws -> ByteBuffer {
        guard extents.contains(where: { $0.sealing != nil }) else { return try await inner.readWhole(extents, range: range) }
        let reader = SealedReader(extents: extents, inner: inner, keys: try requireKeys())
        var whole = ByteBuffer()
        whole.reserveCapacity(range.count)
        try await reader.read(range, chunkSize: 1 << 20) { chunk in
            var chunk = chunk
            whole.writeBuffer(&chunk)
        }
        return whole
    }

    /// Only plaintext extents of a file-backed store can be sent as file spans.
    public func canSendFiles(_ extents: [Extent]) -> Bool {
        inner is any FileBackedBlobStore && !extents.contains { $0.sealing != nil }
    }

    public func fileSpans(_ extents: [Extent], range: Range<Int64>) async throws -> [FileSpan] {
        guard canSendFiles(extents), let files = inner as? any FileBackedBlobStore else {
            throw SealedBlobError.unavailable
        }
        return try await files.fileSpans(extents, range: range)
    }

    public func recover(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> RecoveryReport {
        try await inner.recover(isReferenced: isReferenced)
    }

    public func allBlobs() async throws -> Set<BlobID> { try await inner.allBlobs() }

    public func checkReachable() async throws { try await inner.checkReachable() }

    public func collectAbandoned(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> Int {
        try await inner.collectAbandoned(isReferenced: isReferenced)
    }
}

extension FileBackedBlobStore {
    /// Whether `fileSpans` can serve these extents (a store that seals some blobs says no for those).
    public func servesFileSpans(_ extents: [Extent]) -> Bool {
        if let sealing = self as? SealingBlobStore { return sealing.canSendFiles(extents) }
        return true
    }
}

/// The plaintext's size, MD5 and CRC-64, computed while it is sealed.
final class PlainDigest: @unchecked Sendable {
    // Touched only by the one task that iterates the sealing sequence, then read after it finished.
    private var md5 = Insecure.MD5()
    private var crc = CRC64()
    private var size: Int64 = 0

    func update(_ bytes: UnsafeRawBufferPointer) {
        md5.update(bufferPointer: bytes)
        crc.update(buffer: bytes)
        size += Int64(bytes.count)
    }

    func finish() -> (Int64, [UInt8], UInt64) { (size, Array(md5.finalize()), crc.value) }
}

/// The body, cut into 64 KiB plaintext chunks and sealed one by one as the inner store pulls.
struct SealingSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let key: SymmetricKey
    let digest: PlainDigest

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let key: SymmetricKey
        let digest: PlainDigest
        var pending = ByteBuffer()
        var index: Int64 = 0
        var ended = false

        mutating func next() async throws -> ByteBuffer? {
            while !ended && pending.readableBytes < SealedChunks.plainSize {
                if var chunk = try await base.next() {
                    pending.writeBuffer(&chunk)
                } else {
                    ended = true
                }
            }
            guard pending.readableBytes > 0 else { return nil }
            let count = Swift.min(pending.readableBytes, SealedChunks.plainSize)
            let plain = pending.readSlice(length: count)!
            if pending.readableBytes == 0 { pending.clear() } else { pending.discardReadBytes() }
            let sealed = try plain.withUnsafeReadableBytes { bytes in
                digest.update(bytes)
                return try SealedChunks.seal(bytes, index: index, key: key)
            }
            index += 1
            return sealed
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), key: key, digest: digest)
    }
}

/// Reads plaintext ranges over extents some of which are sealed: only the chunks a range covers are read and
/// opened, up to 1 MiB of them at a time.
struct SealedReader: BlobReader {
    let extents: [Extent]
    let inner: any BlobStore
    let keys: DataKeys
    let size: Int64

    init(extents: [Extent], inner: any BlobStore, keys: DataKeys) {
        self.extents = extents
        self.inner = inner
        self.keys = keys
        size = extents.reduce(0) { $0 + $1.length }
    }

    func read(_ range: Range<Int64>, chunkSize: Int, _ consume: (ByteBuffer) async throws -> Void) async throws {
        var pieces: [(Extent, Int64, Int)] = []
        Extent.forEachPiece(of: extents, in: range) { extent, offset, length in pieces.append((extent, offset, length)) }
        for (extent, offset, length) in pieces {
            guard let sealing = extent.sealing else {
                let reader = try await inner.reader(for: [Extent(blob: extent.blob, offset: offset, length: Int64(length))])
                do {
                    try await reader.read(0..<Int64(length), chunkSize: chunkSize, consume)
                } catch {
                    await reader.close()
                    throw error
                }
                await reader.close()
                continue
            }
            try await readSealed(extent.blob, sealing, offset..<(offset + Int64(length)), chunkSize: chunkSize, consume)
        }
    }

    func readSealed(_ blob: BlobID, _ sealing: Sealing, _ range: Range<Int64>, chunkSize: Int,
                    _ consume: (ByteBuffer) async throws -> Void) async throws {
        let key = try keys.unwrap(sealing.wrappedKey)
        let plainChunk = Int64(SealedChunks.plainSize)
        let batch = Int64(max(1, (1 << 20) / SealedChunks.plainSize))
        var chunk = range.lowerBound / plainChunk
        let lastChunk = (range.upperBound - 1) / plainChunk
        while chunk <= lastChunk {
            let through = min(lastChunk, chunk + batch - 1)
            let start = chunk * Int64(SealedChunks.sealedSize)
            let end = min(SealedChunks.sealedLength(plain: sealing.blobSize), (through + 1) * Int64(SealedChunks.sealedSize))
            var sealed = try await inner.readWhole([Extent(blob: blob, offset: start, length: end - start)], range: 0..<(end - start))
            for index in chunk...through {
                let chunkPlain = min(plainChunk, sealing.blobSize - index * plainChunk)
                guard let piece = sealed.readSlice(length: Int(chunkPlain) + SealedChunks.tagSize) else {
                    throw SealedBlobError.corruptChunk(blob, index)
                }
                var plain = try SealedChunks.open(piece, index: index, key: key, blob: blob)
                // The part of this chunk the range asks for.
                let chunkStart = index * plainChunk
                let from = max(range.lowerBound, chunkStart) - chunkStart
                let to = min(range.upperBound, chunkStart + chunkPlain) - chunkStart
                plain.moveReaderIndex(forwardBy: Int(from))
                var wanted = plain.readSlice(length: Int(to - from))!
                while wanted.readableBytes > 0 {
                    try await consume(wanted.readSlice(length: min(chunkSize, wanted.readableBytes))!)
                }
            }
            chunk = through + 1
        }
    }

    func close() async {}
}

/// A range of an open reader as a body, for copies that must rewrite bytes (sealing plaintext).
struct RangeStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let reader: any BlobReader
    let range: Range<Int64>

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: any BlobReader
        let range: Range<Int64>
        var position: Int64

        mutating func next() async throws -> ByteBuffer? {
            guard position < range.upperBound else { return nil }
            let upper = Swift.min(range.upperBound, position + (1 << 20))
            var collected = ByteBuffer()
            try await reader.read(position..<upper, chunkSize: 1 << 20) { chunk in
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
            position = upper
            return collected
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader, range: range, position: range.lowerBound) }
}
