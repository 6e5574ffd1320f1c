import NIOConcurrencyHelpers

/// Remembers STS signature nonces for the timestamp window, so a signed request is accepted once. Gateways that
/// share a database share the registry, or a request replayed to another gateway would be accepted again.
public protocol NonceRegistry: Sendable {
    /// True the first time `nonce` is presented within `window` seconds of `now`.
    func firstUse(of nonce: String, now: Int64, window: Int64) async throws -> Bool
}

/// The registry of a single process (embedded mode).
public final class InMemoryNonceRegistry: NonceRegistry {
    private let seen = NIOLockedValueBox<[String: Int64]>([:])

    public init() {}

    public func firstUse(of nonce: String, now: Int64, window: Int64) async throws -> Bool {
        seen.withLockedValue { seen -> Bool in
            if seen.count > 100_000 { seen = seen.filter { now - $0.value <= window } }
            if let at = seen[nonce], now - at <= window { return false }
            seen[nonce] = now
            return true
        }
    }
}
