import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SiloCore
import SiloStorage

/// Blobs in an S3 bucket (Ceph RGW, or any S3 API), each stored as immutable chunks of `chunkSize` bytes named
/// `<blob>/<index>`: a range read touches the chunks it covers and no more, and an upload needs no backend
/// multipart. A chunk is acknowledged by the store before the next is sent, so when `write` returns every byte
/// is durable there. Writes are recorded in the metadata's intent log first, so a gateway that dies mid-write
/// leaves a record, and any gateway's collector frees its chunks without listing the bucket.
public final class S3BlobStore: BlobStore {
    let client: S3Client
    let intents: any BlobIntentLog
    public let chunkSize: Int
    /// A writer touches its intent this often; an intent untouched for `abandonedAfter` seconds is a dead writer's.
    let heartbeat: Duration
    let abandonedAfter: Int64
    let logger: Logger

    public init(location: S3Location, intents: any BlobIntentLog, chunkSize: Int = 4 << 20,
                heartbeat: Duration = .seconds(60), abandonedAfter: Int64 = 600, logger: Logger) {
        precondition(chunkSize > 0)
        client = S3Client(location: location)
        self.intents = intents
        self.chunkSize = chunkSize
        self.heartbeat = heartbeat
        self.abandonedAfter = abandonedAfter
        self.logger = logger
    }

    /// Checks the store answers and creates the bucket if it is missing.
    public func prepare() async throws {
        try await client.ensureBucket()
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    static func chunkName(_ blob: BlobID, _ index: Int) -> String { "\(blob.raw)/\(index)" }

    // MARK: writing

    public func write<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        let blob = BlobID.random()
        try await intents.recordIntent(blob)
        let heartbeatFailure = NIOLockedValueBox<(any Error)?>(nil)
        let keepAlive = Task { [intents, heartbeat] in
            while true {
                do {
                    try await Task.sleep(for: heartbeat)
                } catch {
                    return  // cancelled: the write ended
                }
                do {
                    try await intents.touchIntent(blob)
                } catch {
                    heartbeatFailure.withLockedValue { $0 = error }
                    return
                }
            }
        }
        defer { keepAlive.cancel() }
        var sent = 0
        // One chunk is sent while the next is received.
        var inFlight: Task<Void, any Error>?
        do {
            var md5 = Insecure.MD5()
            var crc = CRC64()
            var total: Int64 = 0
            var pending = ByteBufferAllocator().buffer(capacity: Int(min(limit, Int64(chunkSize))))
            for try await var piece in body {
                total += Int64(piece.readableBytes)
                if total > limit { throw BlobWriteError.tooLarge }
                piece.withUnsafeReadableBytes { bytes in
                    md5.update(bufferPointer: bytes)
                    crc.update(buffer: bytes)
                }
                while piece.readableBytes > 0 {
                    var slice = piece.readSlice(length: min(chunkSize - pending.readableBytes, piece.readableBytes))!
                    pending.writeBuffer(&slice)
                    guard pending.readableBytes == chunkSize else { continue }
                    try await inFlight?.value
                    inFlight = put(blob, index: sent, pending)
                    sent += 1
                    pending = ByteBufferAllocator().buffer(capacity: chunkSize)
                }
                // The intent may be collected once its heartbeat stops: such a write cannot be committed.
                if let failure = heartbeatFailure.withLockedValue({ $0 }) { throw failure }
            }
            try await inFlight?.value
            if pending.readableBytes > 0 {
                inFlight = put(blob, index: sent, pending)
                sent += 1
                try await inFlight?.value
            }
            if let failure = heartbeatFailure.withLockedValue({ $0 }) { throw failure }
            return BlobDigest(blob: blob, size: total, md5: Array(md5.finalize()), crc64: crc.value)
        } catch {
            _ = try? await inFlight?.value
            await removeChunks(blob, count: sent)
            try? await intents.clearIntent(blob)
            throw error
        }
    }

    private func put(_ blob: BlobID, index: Int, _ chunk: ByteBuffer) -> Task<Void, any Error> {
        let name = Self.chunkName(blob, index)
        return Task { [client] in try await client.put(name, body: chunk) }
    }

    private func removeChunks(_ blob: BlobID, count: Int) async {
        for index in 0..<count { try? await client.delete(Self.chunkName(blob, index)) }
    }

    public func publish(_ blob: BlobID) async {
        // Committed: the metadata names the blob, so its intent is no longer needed to find it. A log that clears
        // it in that commit saves this round trip.
        if !intents.commitClearsIntents { try? await intents.clearIntent(blob) }
    }

    public func discard(_ blob: BlobID) async {
        try? await delete(blob)
        try? await intents.clearIntent(blob)
    }

    public func delete(_ blob: BlobID) async throws {
        for name in try await client.list(prefix: blob.raw + "/") { try await client.delete(name) }
    }

    // MARK: reading

    public func reader(for extents: [Extent]) async throws -> BlobReader {
        S3BlobReader(store: self, extents: extents)
    }

    public func readWhole(_ extents: [Extent], range: Range<Int64>) async throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: range.count)
        try await read(extents, range: range, maxPiece: Int.max) { piece in
            var piece = piece
            buffer.writeBuffer(&piece)
        }
        return buffer
    }

    /// Streams `range` of the object the extents make, chunk by chunk, each GET asking for exactly the bytes needed.
    func read(_ extents: [Extent], range: Range<Int64>, maxPiece: Int, _ consume: (ByteBuffer) async throws -> Void)
        async throws
    {
        var pieces: [(BlobID, Int64, Int)] = []
        Extent.forEachPiece(of: extents, in: range) { extent, blobOffset, count in
            // Split at chunk boundaries: each piece then lies inside one chunk.
            var offset = blobOffset
            let end = blobOffset + Int64(count)
            while offset < end {
                let chunkEnd = (offset / Int64(chunkSize) + 1) * Int64(chunkSize)
                let length = Int(min(end, chunkEnd) - offset)
                pieces.append((extent.blob, offset, length))
                offset += Int64(length)
            }
        }
        for (blob, offset, length) in pieces {
            let index = Int(offset / Int64(chunkSize))
            let within = offset - Int64(index) * Int64(chunkSize)
            do {
                try await client.get(Self.chunkName(blob, index), range: within..<(within + Int64(length))) { received in
                    var received = received
                    while received.readableBytes > 0 {
                        try await consume(received.readSlice(length: min(maxPiece, received.readableBytes))!)
                    }
                }
            } catch let failure as S3Failure where failure.status == 404 {
                // Metadata names a chunk the store lacks: not the caller's fault, and never silently short.
                throw S3Failure(operation: "GET \(Self.chunkName(blob, index)) (a committed chunk is missing)",
                                status: failure.status, body: failure.body)
            }
        }
    }

    // MARK: recovery

    public func recover(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> RecoveryReport {
        let freed = try await collectAbandoned(isReferenced: isReferenced)
        return RecoveryReport(published: 0, discarded: freed)
    }

    public func collectAbandoned(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> Int {
        var freed = 0
        while true {
            let batch = try await intents.claimAbandonedIntents(staleAfter: abandonedAfter, lease: 300, limit: 64)
            if batch.isEmpty { return freed }
            for blob in batch {
                if try await !isReferenced(blob) {
                    try await delete(blob)
                    freed += 1
                }
                try await intents.clearIntent(blob)
            }
        }
    }

    /// One ranged GET of a name no blob has: a 404 proves the bucket answers (and our signature is accepted).
    public func checkReachable() async throws {
        do {
            try await client.get("silo-readiness-probe", range: 0..<1) { _ in }
        } catch let failure as S3Failure where failure.status == 404 {
            return
        }
    }

    public func allBlobs() async throws -> Set<BlobID> {
        Set(try await client.list(prefix: "").compactMap { name in
            name.split(separator: "/").first.flatMap { BlobID(String($0)) }
        })
    }
}

/// Reads an object's extents from S3, one ranged GET per chunk touched.
struct S3BlobReader: BlobReader {
    let store: S3BlobStore
    let extents: [Extent]

    var size: Int64 { extents.reduce(0) { $0 + $1.length } }

    func read(_ range: Range<Int64>, chunkSize: Int, _ consume: (ByteBuffer) async throws -> Void) async throws {
        try await store.read(extents, range: range, maxPiece: chunkSize, consume)
    }

    func close() async {}
}
