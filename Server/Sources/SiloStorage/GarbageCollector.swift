import Logging
import Metrics
import ServiceLifecycle

/// Deletes the files of released blobs. Runs once at start (no reader can hold them then) and then
/// periodically, waiting `grace` seconds after release so in-flight reads that resolved the old manifest finish.
public struct GarbageCollector: Service {
    let metadata: any StorageMetadata
    let blobs: any BlobStore
    let grace: Int64
    /// Uploads left unfinished this long are aborted (default 7 days).
    let uploadExpiry: Int64
    let interval: Duration
    let clock: @Sendable () -> Int64
    let logger: Logger

    public init(metadata: any StorageMetadata, blobs: any BlobStore, grace: Int64 = 30,
                uploadExpiry: Int64 = 7 * 24 * 3600, interval: Duration = .seconds(5),
                clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.metadata = metadata
        self.blobs = blobs
        self.grace = grace
        self.uploadExpiry = uploadExpiry
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// How long a claimed batch is this collector's: far longer than deleting 256 blobs takes.
    static let claimLease: Int64 = 300

    /// Deletes released blobs older than `cutoff`; returns how many. Every gateway runs one: each batch is
    /// claimed first, so no two collectors delete the same blobs.
    @discardableResult
    public func collect(releasedBefore cutoff: Int64) async throws -> Int {
        var total = 0
        while true {
            let batch = try await metadata.claimReleasedBlobs(releasedBefore: cutoff, lease: Self.claimLease, limit: 256)
            if batch.isEmpty { return total }
            for blob in batch { try await blobs.delete(blob) }
            try await metadata.forgetReleased(batch)
            total += batch.count
        }
    }

    /// Aborts uploads initiated more than `uploadExpiry` seconds ago; their parts are released.
    @discardableResult
    public func abortExpiredUploads() async throws -> Int {
        var total = 0
        while true {
            let stale = try await metadata.claimStaleUploads(
                initiatedBefore: clock() - uploadExpiry, lease: Self.claimLease, limit: 256)
            if stale.isEmpty { return total }
            for upload in stale {
                if try await metadata.abortUpload(bucket: upload.bucket, key: upload.key, uploadId: upload.uploadId) { total += 1 }
            }
        }
    }

    /// Crash recovery: settles staged blobs, then frees everything released.
    public func recover() async throws {
        let metadata = self.metadata
        // First: a journaled blob's file may be torn or missing, staged or published, after a power loss.
        var replayed = 0
        if let journal = metadata.blobJournal {
            replayed = try await BlobJournalCheckpointer.replay(journal: journal, blobs: blobs) { blob in
                try await metadata.isReferenced(blob)
            }
        }
        let report = try await blobs.recover { blob in try await metadata.isReferenced(blob) }
        let collected = try await collect(releasedBefore: clock())
        logger.info("storage recovered", metadata: [
            "journal_replayed": "\(replayed)",
            "staged_published": "\(report.published)", "staged_discarded": "\(report.discarded)",
            "released_collected": "\(collected)",
        ])
    }

    /// The backlog gauge counts up to this many: past it, "at least this many" is all an operator needs.
    static let backlogBound = 10_000

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // A graceful stop must not wait out the interval.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                let aborted = try await abortExpiredUploads()
                if aborted > 0 { logger.info("aborted expired multipart uploads", metadata: ["count": "\(aborted)"]) }
                let collected = try await collect(releasedBefore: clock() - grace)
                if collected > 0 { logger.debug("collected released blobs", metadata: ["count": "\(collected)"]) }
                let abandoned = try await blobs.collectAbandoned { blob in try await metadata.isReferenced(blob) }
                if abandoned > 0 { logger.info("freed blobs of abandoned writes", metadata: ["count": "\(abandoned)"]) }
                Counter(label: "silo_gc_collected_blobs_total").increment(by: collected + abandoned)
                // Released blobs still waiting for a collector (their grace period included), up to a bound.
                let backlog = try await metadata.releasedBlobs(releasedBefore: clock(), limit: Self.backlogBound).count
                Gauge(label: "silo_gc_backlog_blobs").record(backlog)
            } catch {
                logger.error("garbage collection failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
