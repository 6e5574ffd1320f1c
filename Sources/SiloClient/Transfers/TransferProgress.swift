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

    /// Feeds a transfer's progress into an `AsyncStream`. Reported bytes never go backwards: bytes of an
    /// attempt that failed and is retried are not counted twice.
    public final class Reporter: Sendable {
        public let updates: AsyncStream<TransferProgress>
        private let continuation: AsyncStream<TransferProgress>.Continuation
        private let state = Locked(State())
        private let minimumInterval: TimeInterval

        private struct State {
            var total: Int64?
            var sent: Int64 = 0
            var reported: Int64 = 0
            var started = Date()
            var lastEmit = Date.distantPast
            var finished = false
        }

        /// - Parameter minimumInterval: the least time between two updates (the last one always comes).
        public init(minimumInterval: Duration = .milliseconds(100)) {
            (updates, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
            self.minimumInterval = Double(minimumInterval.components.seconds)
                + Double(minimumInterval.components.attoseconds) / 1e18
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
        }

        private func emit(_ update: (inout State) -> Bool) {
            let snapshot = state.withLock { state -> TransferProgress? in
                guard !state.finished else { return nil }  // nothing after the final update
                guard update(&state) else { return nil }
                let now = Date()
                guard state.finished || now.timeIntervalSince(state.lastEmit) >= minimumInterval else { return nil }
                state.lastEmit = now
                let elapsed = max(now.timeIntervalSince(state.started), 0.001)
                return TransferProgress(bytesTransferred: state.reported, totalBytes: state.total,
                                        bytesPerSecond: Double(state.reported) / elapsed, isFinished: state.finished)
            }
            if let snapshot { continuation.yield(snapshot) }
        }
    }
}
