import Foundation

/// Credentials fetched by an async closure and renewed `refreshBefore` their expiry.
///
/// What a phone meets is taken into account:
/// - **Single flight**: however many requests need credentials at that moment, one fetch runs and all of them get
///   its result.
/// - **A failed refresh keeps the current token** while it is still usable (until a minute, or half the refresh
///   window if that is shorter, before it expires): the refresh window is a margin, not a deadline. Without a usable token, every waiter gets the error.
/// - **Backoff with jitter** after failures (1 s doubling to 60 s, each wait drawn from its upper half), so an app
///   server that is down or rate-limiting is not hammered by every request; within the wait, calls answer from
///   the current token or fail at once with the last error.
/// - **The server's clock**: expiry is judged in the issuer's time, learnt from the token response's `Date`
///   header (`fetchWithDate`) or from a storage server's `RequestTimeTooSkewed` (`adoptServerClock`), not on a
///   device clock that may be hours off.
/// - **At most one fetch per `minimumRefreshInterval` for tokens that arrive already due for refresh** (the
///   issuer's tokens live less than `refreshBefore`, or the device's clock is far ahead and no issuer clock is
///   known): fetching again at once would bring the same, so such a token is used for that interval unless a
///   server refuses it, and a wrong clock cannot cause a fetch per request.
public actor RefreshingCredentialsProvider: CredentialsProvider {
    /// What one fetch brought: the credentials, and the issuer's clock when it answered, when known.
    public struct Fetched: Sendable {
        public var credentials: Credentials
        public var serverDate: Date?

        public init(credentials: Credentials, serverDate: Date? = nil) {
            self.credentials = credentials
            self.serverDate = serverDate
        }
    }

    /// How long after a failed fetch the next one may start.
    public struct Backoff: Sendable {
        public var first: TimeInterval
        public var maximum: TimeInterval

        public init(first: TimeInterval = 1, maximum: TimeInterval = 60) {
            self.first = first
            self.maximum = maximum
        }

        /// The wait after `failures` failures in a row: the doubled delay's upper half, at random ("equal jitter"),
        /// so clients that failed together do not retry together.
        func delay(afterFailures failures: Int, random: Double) -> TimeInterval {
            let ceiling = min(maximum, first * pow(2, Double(max(0, failures - 1))))
            return ceiling / 2 + ceiling / 2 * random
        }
    }

    /// A token is used until this long before its expiry, refresh or not: requests signed with it need time to land.
    private let usableMargin: TimeInterval

    private let fetch: @Sendable () async throws -> Fetched
    private let refreshBefore: TimeInterval
    private let minimumRefreshInterval: TimeInterval
    private let backoff: Backoff
    private let deviceNow: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private var current: Credentials?
    /// When `current` was fetched, in the issuer's time.
    private var fetchedAt: Date?
    /// Whether `current` was outside the refresh window, and whether it was usable, when it arrived.
    private var arrivedFresh = true
    private var arrivedUsable = true
    private var inFlight: Task<Fetched, any Error>?
    /// The issuer's clock minus the device's.
    private var clockOffset: TimeInterval = 0
    private var failures = 0
    private var retryAt: Date?
    private var lastError: (any Error)?
    /// How many fetches ran; tests assert single-flight and backoff with it.
    public private(set) var fetchCount = 0

    public init(refreshBefore: Duration = .seconds(300), minimumRefreshInterval: Duration = .seconds(30),
                backoff: Backoff = Backoff(), now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                fetch: @escaping @Sendable () async throws -> Credentials) {
        self.init(refreshBefore: refreshBefore, minimumRefreshInterval: minimumRefreshInterval, backoff: backoff, now: now,
                  random: random, fetchWithDate: { Fetched(credentials: try await fetch()) })
    }

    public init(refreshBefore: Duration = .seconds(300), minimumRefreshInterval: Duration = .seconds(30),
                backoff: Backoff = Backoff(), now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                fetchWithDate: @escaping @Sendable () async throws -> Fetched) {
        self.fetch = fetchWithDate
        self.refreshBefore = Self.seconds(refreshBefore)
        self.usableMargin = min(60, Self.seconds(refreshBefore) / 2)
        self.minimumRefreshInterval = Self.seconds(minimumRefreshInterval)
        self.backoff = backoff
        self.deviceNow = now
        self.random = random
    }

    public func credentials() async throws -> Credentials {
        let now = serverNow()
        if let current, isFresh(current, at: now) || keepsJustFetched(current, at: now) { return current }
        if let inFlight { return try await settle(inFlight, at: now) }
        if let retryAt, now < retryAt {
            if let current, isUsable(current, at: now) { return current }
            throw lastError ?? OSSClientError.credentials("fetching credentials failed")
        }
        let task = Task { [fetch] in
            do {
                return try await fetch()
            } catch let error as OSSClientError {
                throw error
            } catch {
                throw OSSClientError.credentials("fetching credentials failed: \(error)")
            }
        }
        inFlight = task
        fetchCount += 1
        return try await settle(task, at: now)
    }

    /// Waits for the fetch; the first waiter to see it end records the outcome.
    private func settle(_ task: Task<Fetched, any Error>, at now: Date) async throws -> Credentials {
        do {
            let fetched = try await task.value
            if inFlight == task {
                inFlight = nil
                if let serverDate = fetched.serverDate { adoptOffset(serverDate.timeIntervalSince(deviceNow())) }
                current = fetched.credentials
                fetchedAt = serverNow()
                arrivedFresh = isFresh(fetched.credentials, at: serverNow())
                arrivedUsable = isUsable(fetched.credentials, at: serverNow())
                failures = 0
                retryAt = nil
                lastError = nil
            }
            return fetched.credentials
        } catch {
            if inFlight == task {
                inFlight = nil
                failures += 1
                retryAt = serverNow().addingTimeInterval(backoff.delay(afterFailures: failures, random: random()))
                lastError = error
            }
            if let current, isUsable(current, at: serverNow()) { return current }
            throw error
        }
    }

    public func invalidate(_ credentials: Credentials) async {
        guard current == credentials else { return }
        // The server refused the token: it is no use, however recently it came, and a fetch may start now.
        current = nil
        fetchedAt = nil
        retryAt = nil
    }

    /// Adopts a storage server's clock (learnt from `RequestTimeTooSkewed`) for judging expiry.
    public func adoptServerClock(offset: TimeInterval) async {
        adoptOffset(offset)
    }

    /// Offsets under half a minute are noise (a `Date` header has one-second resolution, and the answer took time
    /// to arrive), and adopting them would move expiry the wrong way by that much: only real skew is adopted.
    private func adoptOffset(_ offset: TimeInterval) {
        clockOffset = abs(offset) < 30 ? 0 : offset
    }

    /// A token that arrived already inside the refresh window (the issuer's tokens are short, or the clocks
    /// disagree) is used for `minimumRefreshInterval` rather than refetched at once: while it is still usable, or
    /// at any rate when it looked expired on arrival (then this device's clock is what is wrong).
    private func keepsJustFetched(_ credentials: Credentials, at now: Date) -> Bool {
        guard !arrivedFresh, wasJustFetched(at: now) else { return false }
        return isUsable(credentials, at: now) || !arrivedUsable
    }

    /// The issuer's time as best known.
    func serverNow() -> Date { deviceNow().addingTimeInterval(clockOffset) }

    private func isFresh(_ credentials: Credentials, at now: Date) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return now.addingTimeInterval(refreshBefore) < expiration
    }

    private func isUsable(_ credentials: Credentials, at now: Date) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return now.addingTimeInterval(usableMargin) < expiration
    }

    private func wasJustFetched(at now: Date) -> Bool {
        guard let fetchedAt else { return false }
        return now < fetchedAt.addingTimeInterval(minimumRefreshInterval)
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
