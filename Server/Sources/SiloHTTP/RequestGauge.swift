import Hummingbird
import NIOConcurrencyHelpers

/// Requests in flight on the OSS listener, counted from arrival until the last body byte is written, with the
/// peak since start: what an operator (or a test of a client's concurrency limit) needs to see.
public final class RequestGauge: Sendable {
    public struct Snapshot: Sendable, Codable, Hashable {
        public var inFlight: Int
        public var peak: Int
        public var served: Int
    }

    private let state = NIOLockedValueBox(Snapshot(inFlight: 0, peak: 0, served: 0))

    public init() {}

    func enter() {
        state.withLockedValue { state in
            state.inFlight += 1
            state.peak = max(state.peak, state.inFlight)
        }
    }

    func leave() {
        state.withLockedValue { state in
            state.inFlight -= 1
            state.served += 1
        }
    }

    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    /// Leaves when `response`'s body has been written (or failed to be).
    func tracking(_ response: Response) -> Response {
        var tracked = response
        let body = response.body
        tracked.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { self.leave() }
            try await body.write(writer)
        }
        return tracked
    }
}
