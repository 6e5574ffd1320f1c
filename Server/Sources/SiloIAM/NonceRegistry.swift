import NIOConcurrencyHelpers

/// Remembers STS signature nonces for the timestamp window, so a signed request is accepted once. Gateways that
/// share a database share the registry, or a request replayed to another gateway would be accepted again.
public protocol NonceRegistry: Sendable {
    /// True the first time `nonce` is presented within `window` seconds of `now`.
    func firstUse(of nonce: String, now: Int64, window: Int64) async throws -> Bool
}

/// The registry of a single process (embedded mode). Nonces are forgotten in the order they arrived, once older
/// than the window, a few at a time on each call: the cost of a call stays constant however many requests the
/// window holds (a filter over all of them past a size, as before, cost milliseconds per request at ~8,000/s).
public final class InMemoryNonceRegistry: NonceRegistry {
    private struct State {
        var seen: [String: Int64] = [:]
        /// Arrival order; entries before `head` are already forgotten.
        var arrivals: [(nonce: String, at: Int64)] = []
        var head = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func firstUse(of nonce: String, now: Int64, window: Int64) async throws -> Bool {
        state.withLockedValue { state -> Bool in
            while state.head < state.arrivals.count, now - state.arrivals[state.head].at > window {
                let (old, at) = state.arrivals[state.head]
                if state.seen[old] == at { state.seen.removeValue(forKey: old) }
                state.head += 1
            }
            // Drop the forgotten prefix once it is most of the array: amortized constant time per call.
            if state.head > 1024, state.head * 2 > state.arrivals.count {
                state.arrivals.removeFirst(state.head)
                state.head = 0
            }
            if let at = state.seen[nonce], now - at <= window { return false }
            state.seen[nonce] = now
            state.arrivals.append((nonce, now))
            return true
        }
    }

    /// How many nonces are remembered (for tests).
    var remembered: Int { state.withLockedValue { $0.seen.count } }
}
