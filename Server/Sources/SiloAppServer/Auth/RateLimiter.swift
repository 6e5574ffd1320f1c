import Foundation
import NIOConcurrencyHelpers

/// Token buckets keyed by user or address: `requests` per `window`, bursts up to `requests`.
public final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let capacity: Double
    let refillPerSecond: Double
    let now: @Sendable () -> Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    /// Beyond this many tracked keys, idle (full) buckets are dropped so memory stays bounded.
    static let maxTrackedKeys = 100_000

    public init(_ limit: AppServerConfiguration.RateLimit,
                now: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        capacity = Double(limit.requests)
        refillPerSecond = Double(limit.requests) / Double(limit.windowSeconds)
        self.now = now
    }

    /// Takes one token for `key`; nil when granted, else the seconds until one is available.
    public func acquire(_ key: String) -> Int? {
        let time = now()
        return buckets.withLockedValue { buckets -> Int? in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: time)
            bucket.tokens = min(capacity, bucket.tokens + (time - bucket.updated) * refillPerSecond)
            bucket.updated = time
            defer {
                if buckets.count >= Self.maxTrackedKeys { Self.prune(&buckets, at: time, capacity: capacity, rate: refillPerSecond) }
            }
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }

    private static func prune(_ buckets: inout [String: Bucket], at time: Double, capacity: Double, rate: Double) {
        buckets = buckets.filter { $0.value.tokens + (time - $0.value.updated) * rate < capacity }
    }
}
