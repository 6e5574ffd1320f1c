import Foundation

/// Credentials fetched by an async closure and renewed `refreshBefore` their expiry.
///
/// A refresh is single-flight: however many requests need credentials at that moment, one fetch runs and all
/// of them get its result. A refresh that fails surfaces as `OSSClientError.credentials` to every waiter, and
/// the next request tries again.
public actor RefreshingCredentialsProvider: CredentialsProvider {
    private let fetch: @Sendable () async throws -> Credentials
    private let refreshBefore: TimeInterval
    private let now: @Sendable () -> Date
    private var current: Credentials?
    private var inFlight: Task<Credentials, any Error>?
    /// How many fetches ran; tests assert single-flight with it.
    public private(set) var fetchCount = 0

    public init(refreshBefore: Duration = .seconds(300), now: @escaping @Sendable () -> Date = { Date() },
                fetch: @escaping @Sendable () async throws -> Credentials) {
        self.fetch = fetch
        self.refreshBefore = TimeInterval(refreshBefore.components.seconds)
            + TimeInterval(refreshBefore.components.attoseconds) / 1e18
        self.now = now
    }

    public func credentials() async throws -> Credentials {
        if let current, isFresh(current) { return current }
        if let inFlight { return try await inFlight.value }
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
        do {
            let fetched = try await task.value
            current = fetched
            inFlight = nil
            return fetched
        } catch {
            inFlight = nil
            throw error
        }
    }

    public func invalidate(_ credentials: Credentials) async {
        if current == credentials { current = nil }
    }

    private func isFresh(_ credentials: Credentials) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return now().addingTimeInterval(refreshBefore) < expiration
    }
}
