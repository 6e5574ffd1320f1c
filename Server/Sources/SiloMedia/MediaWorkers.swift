import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import SiloCore

/// Synchronous media actions (`video/snapshot`, `video/info`): at most `maxRunning` child processes at once, their
/// own pool beside the image workers' threads so video never starves images; at most `maxQueued` waiting or
/// running, beyond which a request is refused at once with 503.
public final class MediaWorkers: Sendable {
    public let tools: MediaTools
    public let limits: MediaLimits
    let maxQueued: Int
    private let pending = NIOLockedValueBox(0)
    private let slots: Slots
    private let logger: Logger

    public init(tools: MediaTools, limits: MediaLimits = MediaLimits(), maxRunning: Int = System.coreCount,
                maxQueued: Int = 32, logger: Logger = Logger(label: "silo.media")) {
        self.tools = tools
        self.limits = limits
        self.maxQueued = maxQueued
        self.logger = logger
        slots = Slots(max(1, maxRunning))
    }

    /// Requests waiting or running now, and how many may (for the console's health page).
    public var load: (pending: Int, limit: Int) { (pending.withLockedValue { $0 }, maxQueued) }

    public func snapshot(_ request: VideoSnapshot, input: MediaInput) async throws(MediaError) -> [UInt8] {
        try await admitted { runner throws(MediaError) in try await VideoSnapshotter(runner: runner).snapshot(request, input: input) }
    }

    public func info(input: MediaInput) async throws(MediaError) -> MediaInfo {
        try await admitted { runner throws(MediaError) in try await MediaProbe(runner: runner).info(input: input) }
    }

    private func admitted<Answer>(_ work: (ConfinedProcess) async throws(MediaError) -> Answer) async throws(MediaError)
        -> Answer
    {
        let admitted = pending.withLockedValue { count -> Int? in
            guard count < maxQueued else { return nil }
            count += 1
            return count
        }
        guard let depth = admitted else {
            Counter(label: "silo_media_busy_total").increment()
            throw .busy
        }
        Self.queueDepth.record(depth)
        defer { Self.queueDepth.record(pending.withLockedValue { count in count -= 1; return count }) }
        await slots.acquire()
        let outcome: Result<Answer, MediaError>
        do throws(MediaError) {
            outcome = .success(try await work(ConfinedProcess(tools: tools, limits: limits, logger: logger)))
        } catch {
            outcome = .failure(error)
        }
        await slots.release()
        return try outcome.get()
    }

    /// Media actions waiting or running, as of the last change.
    static var queueDepth: Gauge { Gauge(label: "silo_media_queue_depth") }
}

/// A counting semaphore for async callers, first come first served.
private actor Slots {
    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            free += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
