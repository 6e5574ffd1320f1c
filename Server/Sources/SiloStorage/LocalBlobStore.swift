#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import NIOConcurrencyHelpers
import Logging
import NIOCore
import NIOPosix
import SiloCore

/// Blobs as files: `staging/<id>` while written, then `blobs/<ab>/<cd>/<id>`.
///
/// Blocking system calls run on a dedicated thread pool: measured faster than an async file API that hops
/// per call, and fsync must not stall an event loop.
public final class LocalBlobStore: FileBackedBlobStore {
    public let root: String
    let stagingPath: String
    let blobsPath: String
    let pool: NIOThreadPool
    /// Every new blob's entry in `staging/` is made durable by a sync shared with the writers beside it.
    let stagingSync: DirectorySyncGroup
    let allocator = ByteBufferAllocator()
    /// Incoming chunks are batched to this size before one hop to the pool, which hashes and writes them.
    let writeBatchBytes: Int
    /// Staging files made and synced ahead of the writes, or nil (every write then makes its own).
    let reserve: StagingReserve?
    /// `writeJournaled` leaves bodies up to this many bytes unsynced, for the metadata commit to carry; 0: never.
    let journalLimit: Int
    /// Small blobs' bytes after their first whole read (SmallBlobCache.swift).
    let smallBlobs = SmallBlobCache()

    /// `reservedFiles` empty staging files are kept made and synced ahead, so a write need not sync the
    /// directory; `releaseReserve()` removes them. Zero makes every write create its own file. `journalUpTo`:
    /// the largest body `writeJournaled` leaves to the metadata commit's sync (0 syncs every body).
    public convenience init(root: String, pool: NIOThreadPool, writeBatchBytes: Int = 512 * 1024,
                            reservedFiles: Int = 0, journalUpTo: Int = 0) throws {
        try self.init(root: root, pool: pool, writeBatchBytes: writeBatchBytes, reservedFiles: reservedFiles,
                      journalUpTo: journalUpTo, directorySync: DirectorySyncGroup.fsyncDirectory)
    }

    /// `directorySync` syncs the staging directory (tests count the calls).
    init(root: String, pool: NIOThreadPool, writeBatchBytes: Int, reservedFiles: Int, journalUpTo: Int = 0,
         directorySync: @escaping @Sendable (String) throws -> Void) throws {
        self.root = root
        self.stagingPath = root + "/staging"
        self.blobsPath = root + "/blobs"
        self.pool = pool
        self.journalLimit = min(journalUpTo, writeBatchBytes - 1)
        self.writeBatchBytes = writeBatchBytes
        self.reserve = reservedFiles > 0 ? StagingReserve(size: reservedFiles) : nil
        self.stagingSync = DirectorySyncGroup(path: stagingPath, sync: directorySync)
        try POSIX.makeDirectories(stagingPath)
        try POSIX.makeDirectories(blobsPath)
    }

    func stagedPath(_ blob: BlobID) -> String { stagingPath + "/" + blob.raw }

    func shardPath(_ blob: BlobID) -> String {
        let raw = blob.raw.utf8
        let a = String(decoding: raw.prefix(2), as: UTF8.self)
        let b = String(decoding: raw.dropFirst(2).prefix(2), as: UTF8.self)
        return blobsPath + "/" + a + "/" + b
    }

    func publishedPath(_ blob: BlobID) -> String { shardPath(blob) + "/" + blob.raw }

    // MARK: writing

    public func write<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        try await write(body, limit: limit, journaled: false)
    }

    public func writeJournaled<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        try await write(body, limit: limit, journaled: journalLimit > 0)
    }

    private func write<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64, journaled: Bool) async throws
        -> BlobDigest where Body.Element == ByteBuffer
    {
        let reserved = reserve?.take()
        refillReserveIfLow()
        let blob = reserved ?? BlobID.random()
        let path = stagedPath(blob)
        // A reserved file's entry is durable already; a new one's must be made so.
        let stagingSync: DirectorySyncGroup? = reserved == nil ? self.stagingSync : nil
        let exists = reserved != nil
        // Opened once the body outgrows one batch; a smaller body is written whole in a single hop to the pool.
        var sink: StagedFile?
        // One batch is hashed and written while the next one is received.
        var inFlight: Task<Void, any Error>?
        do {
            var pending: [ByteBuffer] = []
            var pendingBytes = 0
            var total: Int64 = 0
            for try await chunk in body {
                total += Int64(chunk.readableBytes)
                if total > limit { throw BlobWriteError.tooLarge }
                pending.append(chunk)
                pendingBytes += chunk.readableBytes
                if pendingBytes >= writeBatchBytes {
                    if sink == nil { sink = try await pool.runIfActive { try StagedFile(path: path, exists: exists) } }
                    try await inFlight?.value
                    let batch = pending
                    let pool = self.pool
                    let file = sink!
                    inFlight = Task { try await file.append(batch, pool: pool) }
                    pending.removeAll(keepingCapacity: true)
                    pendingBytes = 0
                }
            }
            guard let file = sink else {
                // Open, hash, write, sync and close on one thread: for a small object the hops between these
                // steps cost more than the steps.
                let whole = pending
                // Small enough for the journal: neither the file nor its directory entry is synced here; the
                // commit carries the bytes, and a replay after a crash rewrites the file from them.
                let journal = journaled && pendingBytes <= journalLimit
                let size = pendingBytes
                let writeWhole = { @Sendable () throws -> BlobDigest in
                    let file = try StagedFile(path: path, exists: exists)
                    do {
                        try file.appendOnThisThread(whole)
                        if journal {
                            var digest = file.finishUnsynced(blob: blob)
                            var bytes: [UInt8] = []
                            bytes.reserveCapacity(size)
                            for buffer in whole { bytes += buffer.readableBytesView }
                            digest.journal = bytes
                            return digest
                        }
                        let digest = try file.finish(blob: blob)
                        try stagingSync?.sync()
                        return digest
                    } catch {
                        file.abandon()
                        try? POSIX.unlinkIfPresent(path)
                        throw error
                    }
                }
                // A journaled body of a few KiB only lands in the page cache (no sync): written right here, as
                // small reads are, since the hop to the pool and back costs more than the write.
                return journal ? try writeWhole() : try await pool.runIfActive(writeWhole)
            }
            try await inFlight?.value
            inFlight = nil
            try await file.append(pending, pool: pool)
            return try await pool.runIfActive {
                let digest = try file.finish(blob: blob)
                // The new directory entry must be durable too before metadata names the blob.
                try stagingSync?.sync()
                return digest
            }
        } catch {
            _ = try? await inFlight?.value
            if let sink {
                sink.abandon()
                try? POSIX.unlinkIfPresent(path)
            }
            throw error
        }
    }

    /// Makes the reserve's missing files in the background, then syncs the directory once for all of them. A
    /// failed refill leaves the reserve short (writes make their own files) and the directory sync's failure
    /// recorded for readiness, as any failed sync.
    private func refillReserveIfLow() {
        guard let reserve, let count = reserve.claimRefill() else { return }
        let stagingPath = self.stagingPath
        let stagingSync = self.stagingSync
        let pool = self.pool
        Task {
            let made = (try? await pool.runIfActive { () -> [BlobID] in
                var made: [BlobID] = []
                for _ in 0..<count {
                    let blob = BlobID.random()
                    guard let fd = try? POSIX.open(stagingPath + "/" + blob.raw, O_WRONLY | O_CREAT | O_EXCL) else { break }
                    POSIX.close(fd)
                    made.append(blob)
                }
                do {
                    try stagingSync.sync()
                    return made
                } catch {
                    for blob in made { try? POSIX.unlinkIfPresent(stagingPath + "/" + blob.raw) }
                    return []
                }
            }) ?? []
            for blob in reserve.refilled(made) { try? POSIX.unlinkIfPresent(stagingPath + "/" + blob.raw) }
        }
    }

    /// Removes the reserve's files and stops refilling it; for shutdown, after the last write.
    public func releaseReserve() {
        for blob in reserve?.release() ?? [] { try? POSIX.unlinkIfPresent(stagedPath(blob)) }
    }

    public func restoreJournaled(_ blob: BlobID, bytes: [UInt8]) async throws {
        smallBlobs.forget(blob)
        let published = publishedPath(blob), staged = stagedPath(blob), shard = shardPath(blob)
        try await pool.runIfActive {
            try POSIX.makeDirectories(shard)
            let fd = try POSIX.open(published, O_WRONLY | O_CREAT | O_TRUNC)
            defer { POSIX.close(fd) }
            try bytes.withUnsafeBytes { try POSIX.writeAll(fd, $0, offset: 0, path: published) }
            try POSIX.syncData(fd, path: published)
            // Whatever a torn staged copy holds, the published file is the blob now.
            try POSIX.unlinkIfPresent(staged)
        }
    }

    /// One `syncfs` of the data folder's file system: every unsynced blob file and directory entry at once.
    public func syncWrittenBlobs() async throws {
        let root = self.root
        try await pool.runIfActive { try POSIX.syncFileSystem(containing: root) }
    }

    public func publish(_ blob: BlobID) async { await publish([blob]) }

    /// All of them in one hop to the pool (the journal's checkpoint publishes a second's worth at once).
    public func publish(_ blobs: [BlobID]) async {
        guard !blobs.isEmpty else { return }
        let paths = blobs.map { (stagedPath($0), shardPath($0), publishedPath($0)) }
        try? await pool.runIfActive {
            for (from, shard, to) in paths { Self.publishOnThisThread(from: from, shard: shard, to: to) }
        }
    }

    private static func publishOnThisThread(from: String, shard: String, to: String) {
        do {
            try POSIX.rename(from, to)
        } catch let error as StorageIOError where error.isNotFound {
            // First blob in this shard, or a collector already removed it. Only the two shard levels can be
            // missing: making them directly costs two mkdirs instead of one per component from the root
            // (a store's first tens of thousands of blobs each land in a new shard).
            let firstLevel = String(shard[..<shard.lastIndex(of: "/")!])
            do {
                try POSIX.makeDirectory(firstLevel)
                try POSIX.makeDirectory(shard)
            } catch {
                try? POSIX.makeDirectories(shard)
            }
            try? POSIX.rename(from, to)
        } catch {
            // Left staged: readers find it there, and recovery publishes it at the next start.
        }
    }

    public func discard(_ blob: BlobID) async {
        let path = stagedPath(blob)
        try? await pool.runIfActive { try POSIX.unlinkIfPresent(path) }
    }

    public func delete(_ blob: BlobID) async throws {
        // After the unlink, so a read racing it cannot leave the bytes behind.
        defer { smallBlobs.forget(blob) }
        let staged = stagedPath(blob)
        let published = publishedPath(blob)
        // Staged first: a concurrent publish then either fails or has already moved the file where the second
        // unlink finds it.
        try await pool.runIfActive {
            try POSIX.unlinkIfPresent(staged)
            try POSIX.unlinkIfPresent(published)
        }
    }

    // MARK: reading

    public func reader(for extents: [Extent]) async throws -> BlobReader {
        let paths = blobPaths(extents)
        let descriptors = try await pool.runIfActive { try Self.open(paths) }
        return LocalBlobReader(extents: extents, descriptors: descriptors, pool: pool, allocator: allocator)
    }

    public func readWhole(_ extents: [Extent], range: Range<Int64>) async throws -> ByteBuffer {
        guard range.count <= Self.inlineReadLimit else {
            let paths = blobPaths(extents)
            let allocator = self.allocator
            return try await pool.runIfActive { try Self.read(extents, range: range, paths: paths, allocator: allocator) }
        }
        if let cached = smallBlobs.read(extents, range: range) { return cached }
        // A small read is open + pread + close, microseconds from the page cache: less than the two thread hops
        // of the pool (like the metadata store's point reads, which also run on the calling thread).
        let bytes = try Self.read(extents, range: range, paths: blobPaths(extents), allocator: allocator)
        smallBlobs.keep(extents, range: range, bytes: bytes)
        return bytes
    }

    /// Reads up to this many bytes on the calling thread.
    static let inlineReadLimit = 64 * 1024

    private static func read(_ extents: [Extent], range: Range<Int64>, paths: [(BlobID, published: String, staged: String)],
                             allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let descriptors = try open(paths)
        defer { for fd in descriptors.values { POSIX.close(fd) } }
        var buffer = allocator.buffer(capacity: range.count)
        try LocalBlobReader.forEachPiece(of: extents, in: range) { extent, fileOffset, count in
            guard let fd = descriptors[extent.blob] else { return }
            let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                try POSIX.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]),
                                    offset: fileOffset, path: extent.blob.raw)
            }
            guard read == count else { throw StorageIOError(operation: "pread(short)", path: extent.blob.raw, errno: 0) }
        }
        return buffer
    }

    public func fileSpans(_ extents: [Extent], range: Range<Int64>) async throws -> [FileSpan] {
        var pieces: [(Extent, Int64, Int)] = []
        LocalBlobReader.forEachPiece(of: extents, in: range) { pieces.append(($0, $1, $2)) }
        let paths = Dictionary(blobPaths(extents).map { ($0.0, ($0.published, $0.staged)) }, uniquingKeysWith: { a, _ in a })
        let spanned = pieces
        // Opening is a path lookup the dentry cache answers: cheaper on the calling thread than two hops to the
        // pool (the sendfile itself runs on the event loop, as NIO's writes do).
        return try Self.openSpans(spanned, paths: paths)
    }

    private static func openSpans(_ pieces: [(Extent, Int64, Int)], paths: [BlobID: (String, String)]) throws -> [FileSpan] {
        var spans: [FileSpan] = []
        do {
            for (extent, offset, length) in pieces {
                guard let (published, staged) = paths[extent.blob] else { continue }
                let descriptor = try open([(extent.blob, published, staged)])[extent.blob]!
                spans.append(FileSpan(descriptor: descriptor, offset: offset, length: length))
            }
        } catch {
            for span in spans { POSIX.close(span.descriptor) }
            throw error
        }
        return spans
    }

    private func blobPaths(_ extents: [Extent]) -> [(BlobID, published: String, staged: String)] {
        Array(Set(extents.map(\.blob))).map { ($0, publishedPath($0), stagedPath($0)) }
    }

    /// Opens each blob, falling back to staging for one committed but not yet published.
    private static func open(_ paths: [(BlobID, published: String, staged: String)]) throws -> [BlobID: Int32] {
        var opened: [BlobID: Int32] = [:]
        do {
            for (blob, published, staged) in paths {
                do {
                    opened[blob] = try POSIX.open(published, O_RDONLY)
                } catch let error as StorageIOError where error.isNotFound {
                    do {
                        opened[blob] = try POSIX.open(staged, O_RDONLY)
                    } catch let error as StorageIOError where error.isNotFound {
                        // The writer published it between the two opens (it renames right after its commit, which
                        // this reader may already have seen): it is at the published path now.
                        opened[blob] = try POSIX.open(published, O_RDONLY)
                    }
                }
            }
        } catch {
            for fd in opened.values { POSIX.close(fd) }
            throw error
        }
        return opened
    }

    // MARK: recovery and audit

    public func recover(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> RecoveryReport {
        let stagingPath = self.stagingPath
        let names = try await pool.runIfActive { try POSIX.listDirectory(stagingPath) }
        var report = RecoveryReport(published: 0, discarded: 0)
        for name in names {
            guard let blob = BlobID(name) else {
                try await pool.runIfActive { try POSIX.unlinkIfPresent(stagingPath + "/" + name) }
                report.discarded += 1
                continue
            }
            if try await isReferenced(blob) {
                await publish(blob)
                report.published += 1
            } else {
                await discard(blob)
                report.discarded += 1
            }
        }
        return report
    }

    /// Both folders exist and are writable (a read-only remount or a lost volume fails this), and no sync of the
    /// staging folder has failed (after which no write is acknowledged until a restart).
    public func checkReachable() async throws {
        if let failure = stagingSync.failedSync {
            throw BackendUnavailable(backend: "blobs", reason: "a sync of \(stagingPath) failed: \(failure)")
        }
        for path in [stagingPath, blobsPath] where access(path, W_OK | X_OK) != 0 {
            throw BackendUnavailable(backend: "blobs", reason: "\(path) is not writable (errno \(errno))")
        }
    }

    public func allBlobs() async throws -> Set<BlobID> {
        let stagingPath = self.stagingPath
        let waiting = reserve?.waiting ?? []
        let blobsPath = self.blobsPath
        return try await pool.runIfActive {
            var found = Set(try POSIX.listDirectory(stagingPath).compactMap(BlobID.init)).subtracting(waiting)
            for a in try POSIX.listDirectory(blobsPath) {
                for b in try POSIX.listDirectory(blobsPath + "/" + a) {
                    found.formUnion(try POSIX.listDirectory(blobsPath + "/" + a + "/" + b).compactMap(BlobID.init))
                }
            }
            return found
        }
    }
}

/// A file being written on the pool's threads. Batches arrive one at a time (the writer awaits each), so the
/// mutable state is never touched concurrently.
private final class StagedFile: @unchecked Sendable {
    let path: String
    let fd: Int32
    var offset: Int64 = 0
    var md5 = Insecure.MD5()
    var crc: UInt64 = 0
    var closed = false

    /// `exists`: a reserved file, made empty and synced ahead; otherwise the file is created.
    init(path: String, exists: Bool = false) throws {
        self.path = path
        self.fd = try POSIX.open(path, exists ? O_WRONLY : O_WRONLY | O_CREAT | O_EXCL)
    }

    /// MD5 and the write run on one pool thread while the batch's CRC runs on another; the CRC is then
    /// combined into the running one, so the two digests cost the time of the slower, not their sum.
    func append(_ buffers: [ByteBuffer], pool: NIOThreadPool) async throws {
        guard !buffers.isEmpty else { return }
        let length = buffers.reduce(0) { $0 + $1.readableBytes }
        async let batchCRC = pool.runIfActive { () -> UInt64 in
            var crc = CRC64()
            for buffer in buffers { buffer.withUnsafeReadableBytes { crc.update(buffer: $0) } }
            return crc.value
        }
        try await pool.runIfActive { try self.hashAndWrite(buffers) }
        crc = CRC64.combine(crc, try await batchCRC, length2: UInt64(length))
    }

    /// Hashes (MD5 and CRC-64) and writes a whole small body on the calling thread.
    func appendOnThisThread(_ buffers: [ByteBuffer]) throws {
        var batch = CRC64()
        for buffer in buffers {
            try buffer.withUnsafeReadableBytes { bytes in
                md5.update(bufferPointer: bytes)
                batch.update(buffer: bytes)
                try POSIX.writeAll(fd, bytes, offset: offset, path: path)
            }
            offset += Int64(buffer.readableBytes)
        }
        crc = batch.value
    }

    private func hashAndWrite(_ buffers: [ByteBuffer]) throws {
        let start = offset
        for buffer in buffers {
            try buffer.withUnsafeReadableBytes { bytes in
                md5.update(bufferPointer: bytes)
                try POSIX.writeAll(fd, bytes, offset: offset, path: path)
            }
            offset += Int64(buffer.readableBytes)
        }
        // Start writeback now, so the final fdatasync has little left to wait for.
        Writeback.start(descriptor: fd, offset: start, length: offset - start)
    }

    func finish(blob: BlobID) throws -> BlobDigest {
        try POSIX.syncData(fd, path: path)
        return finishUnsynced(blob: blob)
    }

    /// For a journaled blob, whose bytes the metadata commit makes durable.
    func finishUnsynced(blob: BlobID) -> BlobDigest {
        closed = true
        POSIX.close(fd)
        return BlobDigest(blob: blob, size: offset, md5: Array(md5.finalize()), crc64: crc)
    }

    func abandon() {
        if !closed {
            closed = true
            POSIX.close(fd)
        }
    }
}

/// Reads across extents with one pread per chunk.
final class LocalBlobReader: BlobReader, @unchecked Sendable {
    let extents: [Extent]
    let descriptors: [BlobID: Int32]
    let pool: NIOThreadPool
    let allocator: ByteBufferAllocator
    let size: Int64
    private let closeLock = NIOLockedValueBox(false)

    init(extents: [Extent], descriptors: [BlobID: Int32], pool: NIOThreadPool, allocator: ByteBufferAllocator) {
        self.extents = extents
        self.descriptors = descriptors
        self.pool = pool
        self.allocator = allocator
        self.size = extents.reduce(0) { $0 + $1.length }
    }

    func read(_ range: Range<Int64>, chunkSize: Int, _ consume: (ByteBuffer) async throws -> Void) async throws {
        var pieces: [(Extent, Int64, Int)] = []
        Self.forEachPiece(of: extents, in: range, maxPiece: chunkSize) { pieces.append(($0, $1, $2)) }
        for (extent, fileOffset, count) in pieces {
            guard let fd = descriptors[extent.blob] else { continue }
            let allocator = self.allocator
            let chunk = try await pool.runIfActive { () throws -> ByteBuffer in
                var buffer = allocator.buffer(capacity: count)
                let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                    try POSIX.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]),
                                        offset: fileOffset, path: extent.blob.raw)
                }
                guard read == count else { throw StorageIOError(operation: "pread(short)", path: extent.blob.raw, errno: 0) }
                return buffer
            }
            try await consume(chunk)
        }
    }

    static func forEachPiece(of extents: [Extent], in range: Range<Int64>, maxPiece: Int = Int.max,
                             _ body: (Extent, Int64, Int) throws -> Void) rethrows {
        try Extent.forEachPiece(of: extents, in: range, maxPiece: maxPiece, body)
    }

    func close() async {
        let alreadyClosed = closeLock.withLockedValue { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        for fd in descriptors.values { POSIX.close(fd) }
    }

    deinit {
        if !closeLock.withLockedValue({ $0 }) {
            for fd in descriptors.values { POSIX.close(fd) }
        }
    }
}
