import Crypto
import Foundation
import NIOConcurrencyHelpers

/// Slows password guessing against one account, whatever addresses the guesses come from.
///
/// The per-IP limit alone lets an attacker with many addresses (or one fast one) try hundreds of passwords a
/// minute on one account. Here every sign-in attempt counts as a failure until it succeeds, so parallel guesses
/// cannot slip in before their failures are recorded. After `freeFailures` failures in a row the account is
/// slowed: each further attempt must wait `baseDelay · 2^(extra failures)` after the last failed check ended,
/// capped at `maxDelay`. The owner is
/// never locked out for good: after the wait a right password signs in and clears the count, and failures
/// older than `forgetAfter` are forgotten. Unknown usernames are counted exactly like real ones, so the throttle
/// reveals nothing about which accounts exist.
public final class SignInThrottle: Sendable {
    public struct Settings: Sendable, Hashable {
        public var freeFailures: Int
        public var baseDelaySeconds: Double
        public var maxDelaySeconds: Double
        public var forgetAfterSeconds: Double
        /// Beyond this many tracked names the oldest entries are dropped, so memory stays bounded.
        public var maxTrackedAccounts: Int

        public init(freeFailures: Int = 5, baseDelaySeconds: Double = 1, maxDelaySeconds: Double = 900,
                    forgetAfterSeconds: Double = 86_400, maxTrackedAccounts: Int = 100_000) {
            self.freeFailures = freeFailures
            self.baseDelaySeconds = baseDelaySeconds
            self.maxDelaySeconds = maxDelaySeconds
            self.forgetAfterSeconds = forgetAfterSeconds
            self.maxTrackedAccounts = maxTrackedAccounts
        }
    }

    struct Entry {
        var failures: Int
        var lastAttempt: Double
    }

    let settings: Settings
    let now: @Sendable () -> Double
    private let entries = NIOLockedValueBox<[Data: Entry]>([:])

    public init(settings: Settings = Settings(),
                now: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.settings = settings
        self.now = now
    }

    /// Starts an attempt for `username`: nil when it may proceed (and it then counts as a failure until
    /// `succeeded` is called), else the whole seconds to wait.
    public func begin(_ username: String) -> Int? {
        let key = Self.key(username)
        let time = now()
        return entries.withLockedValue { entries -> Int? in
            var entry = entries[key] ?? Entry(failures: 0, lastAttempt: time)
            if time - entry.lastAttempt > settings.forgetAfterSeconds { entry.failures = 0 }
            let wait = delay(afterFailures: entry.failures) - (time - entry.lastAttempt)
            if entry.failures > 0, wait > 0 {
                return max(1, Int(wait.rounded(.up)))
            }
            entry.failures += 1
            entry.lastAttempt = time
            entries[key] = entry
            if entries.count > settings.maxTrackedAccounts { Self.prune(&entries, keep: settings.maxTrackedAccounts / 2) }
            return nil
        }
    }

    /// A wrong password: the wait starts now, when the check ends, not when the attempt began (a slow check on
    /// a loaded server must not use up the wait).
    public func failed(_ username: String) {
        let key = Self.key(username)
        let time = now()
        entries.withLockedValue { entries in
            if var entry = entries[key] {
                entry.lastAttempt = max(entry.lastAttempt, time)
                entries[key] = entry
            }
        }
    }

    /// The right password: the account's count starts again.
    public func succeeded(_ username: String) {
        let key = Self.key(username)
        _ = entries.withLockedValue { $0.removeValue(forKey: key) }
    }

    /// How long after the last attempt the next may come, once `failures` attempts in a row have failed.
    func delay(afterFailures failures: Int) -> Double {
        guard failures >= settings.freeFailures else { return 0 }
        let exponent = min(failures - settings.freeFailures, 30)
        return min(settings.maxDelaySeconds, settings.baseDelaySeconds * pow(2, Double(exponent)))
    }

    /// Usernames are hashed so an attacker's long names cost the table a fixed size per entry.
    static func key(_ username: String) -> Data {
        Data(SHA256.hash(data: Data(username.lowercased().utf8)).prefix(16))
    }

    private static func prune(_ entries: inout [Data: Entry], keep: Int) {
        let newest = entries.sorted { $0.value.lastAttempt > $1.value.lastAttempt }.prefix(keep)
        entries = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }
}
