import NIOCore

/// Where object bytes live. A blob is written once into staging, becomes durable before any metadata
/// refers to it, and is published afterwards; it is never modified in place.
public protocol BlobStore: Sendable {
    /// Streams `body` into a new staged blob, hashing as it goes, and makes it durable.
    /// Fails with `BlobWriteError.tooLarge` past `limit` bytes and leaves nothing behind on any failure.
    func write<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer

    /// Moves a staged blob to its permanent place once metadata refers to it.
    func publish(_ blob: BlobID) async

    /// `publish` for each, in one step where the store can.
    func publish(_ blobs: [BlobID]) async

    /// Drops a staged blob whose metadata commit did not happen.
    func discard(_ blob: BlobID) async

    /// Deletes a blob that nothing refers to any more.
    func delete(_ blob: BlobID) async throws

    /// Opens the bytes of `extents` for reading.
    func reader(for extents: [Extent]) async throws -> BlobReader

    /// Reads a small range whole, in one step (open, read, close).
    func readWhole(_ extents: [Extent], range: Range<Int64>) async throws -> ByteBuffer

    /// After a crash: publishes staged blobs that metadata refers to and deletes the rest.
    func recover(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> RecoveryReport

    /// Every blob id present (staged or published), for audits and tests.
    func allBlobs() async throws -> Set<BlobID>

    /// For readiness checks: throws when the store cannot be reached or written right now.
    func checkReachable() async throws

    /// While running: frees blobs whose writers died before committing (on any gateway sharing the store), without
    /// listing the store. Returns how many.
    func collectAbandoned(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> Int

    /// As `write`, except that a body small enough for the store's journal is written without a sync and its
    /// bytes returned in `BlobDigest.journal`: the caller must then commit them with the metadata that names the
    /// blob (`BlobJournalStore`). A store without a journal writes and syncs as `write` does.
    func writeJournaled<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer

    /// Replaying the journal after a crash: makes `blob`'s file hold exactly `bytes`.
    func restoreJournaled(_ blob: BlobID, bytes: [UInt8]) async throws

    /// Makes every blob file written so far durable (those written unsynced for the journal).
    func syncWrittenBlobs() async throws
}

extension BlobStore {
    /// A store whose only writers are this process settles abandoned writes in `recover` at start.
    public func collectAbandoned(isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> Int { 0 }

    public func writeJournaled<Body: AsyncSequence & Sendable>(_ body: Body, limit: Int64) async throws -> BlobDigest
    where Body.Element == ByteBuffer {
        try await write(body, limit: limit)
    }

    /// Only a store that journals writes unsynced files; no other has anything to replay.
    public func restoreJournaled(_ blob: BlobID, bytes: [UInt8]) async throws {
        throw BlobJournalUnsupported()
    }

    public func syncWrittenBlobs() async throws {}

    public func publish(_ blobs: [BlobID]) async {
        for blob in blobs { await publish(blob) }
    }
}

/// `restoreJournaled` on a store that never journals.
public struct BlobJournalUnsupported: Error, Sendable {}

/// Blobs being written to a store that cannot be listed cheaply (a remote object store), recorded in metadata
/// before the first byte is written: a writer that dies leaves a record for `collectAbandoned` to find.
public protocol BlobIntentLog: Sendable {
    /// True when the metadata commit that first references a blob also clears its intent, atomically (so the
    /// store need not clear it after publishing, and no collector can free a blob once it is committed).
    var commitClearsIntents: Bool { get }
    func recordIntent(_ blob: BlobID) async throws
    /// The writer is alive; called periodically while it writes.
    func touchIntent(_ blob: BlobID) async throws
    /// The blob was committed, discarded or freed.
    func clearIntent(_ blob: BlobID) async throws
    /// Intents untouched for `staleAfter` seconds, claimed for `lease` seconds so one collector handles each.
    func claimAbandonedIntents(staleAfter: Int64, lease: Int64, limit: Int) async throws -> [BlobID]
}

public enum BlobWriteError: Error, Sendable {
    case tooLarge
}

public struct RecoveryReport: Sendable, Hashable {
    public var published: Int
    public var discarded: Int

    public init(published: Int, discarded: Int) {
        self.published = published
        self.discarded = discarded
    }
}

/// Reads a byte range of an object, across its extents, in bounded chunks.
public protocol BlobReader: Sendable {
    /// Total bytes the extents cover.
    var size: Int64 { get }
    /// Calls `consume` with successive chunks of `range` (at most `chunkSize` bytes each).
    func read(_ range: Range<Int64>, chunkSize: Int, _ consume: (ByteBuffer) async throws -> Void) async throws
    /// Releases file handles.
    func close() async
}

/// A byte range of an open file, for zero-copy sends. Whoever receives it owns the descriptor.
public struct FileSpan: Sendable {
    public let descriptor: Int32
    public let offset: Int64
    public let length: Int

    public init(descriptor: Int32, offset: Int64, length: Int) {
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }
}

/// A blob store whose bytes are files, so responses can be sent with sendfile(2).
public protocol FileBackedBlobStore: BlobStore {
    /// Opens the files behind `range` of `extents`, one descriptor per span; the caller must close each.
    func fileSpans(_ extents: [Extent], range: Range<Int64>) async throws -> [FileSpan]
}
