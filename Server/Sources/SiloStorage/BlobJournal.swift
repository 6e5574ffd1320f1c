import Logging
import ServiceLifecycle

/// A small blob made durable by the metadata transaction that names it rather than by a sync of its own file.
///
/// A PUT of a few KiB used to wait for two syncs in a row: the blob file's `fdatasync`, then the metadata
/// commit's. With a journal the blob's bytes ride in the commit (one sync); the file is written, not synced and
/// left staged, and `BlobJournalCheckpointer` publishes and syncs the blob files in the background and then
/// forgets the journaled copies.
/// After a crash the journal is replayed before anything is served: every journaled blob still referenced is
/// rewritten from its bytes, whatever the file held.
public struct JournaledBlob: Sendable, Hashable {
    public var blob: BlobID
    public var bytes: [UInt8]

    public init(blob: BlobID, bytes: [UInt8]) {
        self.blob = blob
        self.bytes = bytes
    }
}

/// The metadata side of the journal: an object commit that stores the blobs' bytes in the same transaction.
public protocol BlobJournalStore: Sendable {
    /// `commitObject`, with `journal` written in the same atomic, durable transaction.
    func commitObject(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition, journal: [JournaledBlob])
        async throws -> CommitOutcome
    /// Journaled blobs not yet forgotten, oldest first.
    func journaledBlobs(limit: Int) async throws -> [JournaledBlob]
    /// The ids of journaled blobs not yet forgotten.
    func journaledBlobIDs(limit: Int) async throws -> [BlobID]
    /// Drops journaled copies whose files are durable.
    func forgetJournaled(_ blobs: [BlobID]) async throws
}

/// Syncs journaled blobs' files and then forgets their journaled copies, every `interval`; at start, replays the
/// journal (`replay`, before any request is served).
public struct BlobJournalCheckpointer: Service {
    let journal: any BlobJournalStore
    let blobs: any BlobStore
    let interval: Duration
    let logger: Logger

    public init(journal: any BlobJournalStore, blobs: any BlobStore, interval: Duration = .seconds(1), logger: Logger) {
        self.journal = journal
        self.blobs = blobs
        self.interval = interval
        self.logger = logger
    }

    static let batch = 4096

    /// Makes the files of every blob journaled so far durable, then forgets them; returns how many.
    @discardableResult
    public func checkpoint() async throws -> Int {
        var total = 0
        while true {
            // Listed before the sync: each of these files was written before its commit made it visible here.
            let pending = try await journal.journaledBlobIDs(limit: Self.batch)
            if pending.isEmpty { return total }
            // Their commits left them staged; renamed now, the one sync below covers the renames too.
            await blobs.publish(pending)
            try await blobs.syncWrittenBlobs()
            try await journal.forgetJournaled(pending)
            total += pending.count
            if pending.count < Self.batch { return total }
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            do {
                try await checkpoint()
            } catch {
                logger.error("blob journal checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        // What was journaled up to the stop; anything later is replayed at the next start.
        do { try await checkpoint() } catch {
            logger.error("blob journal checkpoint at stop failed", metadata: ["error": "\(error)"])
        }
    }

    /// Crash recovery, before staged blobs are settled: rewrites every journaled blob that metadata still refers
    /// to from its journaled bytes (its file may hold anything after a power loss), syncs, and forgets them all.
    /// Returns how many were rewritten.
    @discardableResult
    public static func replay(journal: any BlobJournalStore, blobs: any BlobStore,
                              isReferenced: @Sendable (BlobID) async throws -> Bool) async throws -> Int {
        var restored = 0
        while true {
            let entries = try await journal.journaledBlobs(limit: 256)
            if entries.isEmpty { return restored }
            for entry in entries where try await isReferenced(entry.blob) {
                try await blobs.restoreJournaled(entry.blob, bytes: entry.bytes)
                restored += 1
            }
            try await blobs.syncWrittenBlobs()
            try await journal.forgetJournaled(entries.map(\.blob))
        }
    }
}
