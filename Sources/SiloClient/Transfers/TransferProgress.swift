import Foundation

/// A snapshot of a transfer: bytes done, total when known, and the recent rate.
public struct TransferProgress: Sendable, Hashable {
    public var bytesTransferred: Int64
    public var totalBytes: Int64?
    public var bytesPerSecond: Double
    public var isFinished: Bool

    public var fractionCompleted: Double? {
        guard let totalBytes, totalBytes > 0 else { return nil }
        return Double(bytesTransferred) / Double(totalBytes)
    }

    /// Feeds a transfer's progress to whoever watches: `updates` (one consumer), `observe()` (as many as like,
    /// each from the latest snapshot), `latest`, a Foundation `Progress` (for `ProgressView` and progress trees)
    /// and, on platforms with Observation, an `@Observable` model for SwiftUI. Reported bytes never go
    /// backwards: bytes of an attempt that failed and is retried are not counted twice.
    public final class Reporter: Sendable {
        public let updates: AsyncStream<TransferProgress>
        /// Foundation's view of the same transfer, in bytes; thread-safe, updated with every snapshot.
        public let progress: Progress
        private let continuation: AsyncStream<TransferProgress>.Continuation
        private let observers = Locked<[UUID: AsyncStream<TransferProgress>.Continuation]>([:])
        private let state = Locked(State())
        private let minimumInterval: TimeInterval

        private struct State {
            var total: Int64?
            var sent: Int64 = 0
            var reported: Int64 = 0
            var started = Date()
            var lastEmit = Date.distantPast
            /// A snapshot held back by `minimumInterval` is due once the interval is over.
            var flushPending = false
            var finished = false
            var latest = TransferProgress(bytesTransferred: 0, totalBytes: nil, bytesPerSecond: 0, isFinished: false)
        }

        /// - Parameter minimumInterval: the least time between two updates. An update held back by it comes once
        ///   the interval is over even if no more bytes move (a stalled network shows where it stalled), and the
        ///   last one always comes.
        public init(minimumInterval: Duration = .milliseconds(100)) {
            (updates, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
            self.minimumInterval = Double(minimumInterval.components.seconds)
                + Double(minimumInterval.components.attoseconds) / 1e18
            progress = Progress(totalUnitCount: -1)
            progress.kind = .file
        }

        /// The last snapshot reported.
        public var latest: TransferProgress { state.withLock { $0.latest } }

        /// A stream of its own for each caller, starting with the latest snapshot and ending after the final one.
        public func observe() -> AsyncStream<TransferProgress> {
            let (stream, observer) = AsyncStream.makeStream(of: TransferProgress.self, bufferingPolicy: .bufferingNewest(1))
            let id = UUID()
            // Registered under the state's lock, so no snapshot falls between the first one and the next.
            state.withLock { state in
                observer.yield(state.latest)
                if state.finished {
                    observer.finish()
                } else {
                    observers.withLock { $0[id] = observer }
                }
            }
            observer.onTermination = { [weak self] _ in self?.observers.withLock { $0[id] = nil } }
            return stream
        }

        func begin(total: Int64?, alreadyDone: Int64 = 0) {
            state.withLock { state in
                if state.total == nil { state.total = total }
                state.sent = max(state.sent, alreadyDone)
                state.reported = max(state.reported, alreadyDone)
            }
        }

        func advance(_ bytes: Int64) {
            emit { state in
                state.sent += bytes
                guard state.sent > state.reported else { return false }
                state.reported = state.sent
                return true
            }
        }

        /// An attempt failed after sending `bytes`: they will be sent again.
        func rewind(_ bytes: Int64) {
            state.withLock { $0.sent -= bytes }
        }

        func finish() {
            emit { state in
                state.finished = true
                if let total = state.total { state.reported = max(state.reported, total) }
                return true
            }
            continuation.finish()
            for observer in observers.withLock({ observers in defer { observers = [:] }; return Array(observers.values) }) {
                observer.finish()
            }
        }

        /// Sends the snapshot `minimumInterval` held back, if no later one went out meanwhile.
        private func flush() {
            emit(due: true) { state in
                state.flushPending = false
                return state.reported != state.latest.bytesTransferred
            }
        }

        private func emit(due: Bool = false, _ update: (inout State) -> Bool) {
            var flushAfter: TimeInterval?
            let snapshot = state.withLock { state -> TransferProgress? in
                guard !state.finished else { return nil }  // nothing after the final update
                guard update(&state) else { return nil }
                let now = Date()
                let wait = minimumInterval - now.timeIntervalSince(state.lastEmit)
                guard state.finished || due || wait <= 0 else {
                    if !state.flushPending {
                        state.flushPending = true
                        flushAfter = wait
                    }
                    return nil
                }
                state.lastEmit = now
                let elapsed = max(now.timeIntervalSince(state.started), 0.001)
                state.latest = TransferProgress(bytesTransferred: state.reported, totalBytes: state.total,
                                                bytesPerSecond: Double(state.reported) / elapsed, isFinished: state.finished)
                // Delivered under the lock: every watcher sees snapshots in order.
                continuation.yield(state.latest)
                for observer in observers.withLock({ Array($0.values) }) { observer.yield(state.latest) }
                return state.latest
            }
            if let snapshot {
                if let total = snapshot.totalBytes { progress.totalUnitCount = total }
                progress.completedUnitCount = snapshot.bytesTransferred
            }
            if let flushAfter {
                Task { [weak self] in
                    try? await Task.sleep(nanoseconds: UInt64(flushAfter * 1e9))
                    self?.flush()
                }
            }
        }
    }
}
