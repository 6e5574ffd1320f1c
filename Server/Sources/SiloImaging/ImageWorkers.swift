import Foundation
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SiloCore

/// CPU-bound transforms on their own threads (one per core by default), never on an event loop or the
/// cooperative pool, with a bound on how many may wait: beyond it a request is refused at once.
public final class ImageWorkers: Sendable {
    public let processor: ImageProcessor
    let pool: NIOThreadPool
    let maxQueued: Int
    private let pending = NIOLockedValueBox(0)

    public init(processor: ImageProcessor, threads: Int = System.coreCount, maxQueued: Int = 64) {
        self.processor = processor
        self.maxQueued = maxQueued
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs the pipeline, or answers 503 when `maxQueued` transforms are already waiting or running.
    public func process(_ source: ImageSource, pipeline: ImagePipeline, watermarks: [String: ByteBuffer] = [:]) async throws
        -> ImageProcessor.Output
    {
        let admitted = pending.withLockedValue { count -> Int? in
            guard count < maxQueued else { return nil }
            count += 1
            return count
        }
        guard let depth = admitted else {
            Counter(label: "silo_image_busy_total").increment()
            throw ImagingError.busy
        }
        Self.queueDepth.record(depth)
        defer { Self.queueDepth.record(pending.withLockedValue { count in count -= 1; return count }) }
        let processor = self.processor
        return try await pool.runIfActive { try processor.process(source, pipeline: pipeline, watermarks: watermarks) }
    }

    public func shutdown() async throws { try await pool.shutdownGracefully() }

    /// Requests waiting or running now, and how many may (for the console's health page).
    public var load: (pending: Int, limit: Int) { (pending.withLockedValue { $0 }, maxQueued) }


    /// Transforms waiting or running, as of the last change.
    static var queueDepth: Gauge { Gauge(label: "silo_image_queue_depth") }
}
