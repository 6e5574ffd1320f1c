import Logging
import ServiceLifecycle

/// Deletes the files of released blobs. Runs once at start (no reader can hold them then) and then
/// periodically, waiting `grace` seconds after release so in-flight reads that resolved the old manifest finish.
public struct GarbageCollector: Service {
    let metadata: any MetadataStore
    let blobs: any BlobStore
    let grace: Int64
    let interval: Duration
    let clock: @Sendable () -> Int64
    let logger: Logger

    public init(metadata: any MetadataStore, blobs: any BlobStore, grace: Int64 = 30, interval: Duration = .seconds(5),
                clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.metadata = metadata
        self.blobs = blobs
        self.grace = grace
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// Deletes released blobs older than `cutoff`; returns how many.
    @discardableResult
    public func collect(releasedBefore cutoff: Int64) async throws -> Int {
        var total = 0
        while true {
            let batch = try await metadata.releasedBlobs(releasedBefore: cutoff, limit: 256)
            if batch.isEmpty { return total }
            for blob in batch { try await blobs.delete(blob) }
            try await metadata.forgetReleased(batch)
            total += batch.count
        }
    }

    /// Crash recovery: settles staged blobs, then frees everything released.
    public func recover() async throws {
        let report = try await blobs.recover { blob in try await metadata.isReferenced(blob) }
        let collected = try await collect(releasedBefore: clock())
        logger.info("storage recovered", metadata: [
            "staged_published": "\(report.published)", "staged_discarded": "\(report.discarded)",
            "released_collected": "\(collected)",
        ])
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                let collected = try await collect(releasedBefore: clock() - grace)
                if collected > 0 { logger.debug("collected released blobs", metadata: ["count": "\(collected)"]) }
            } catch {
                logger.error("garbage collection failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
