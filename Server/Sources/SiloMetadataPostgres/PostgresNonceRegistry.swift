import NIOConcurrencyHelpers
import PostgresNIO
import SiloIAM

/// STS signature nonces in the shared database: the first gateway to record one accepts the request, every other
/// use within the window (on any gateway) is refused.
public final class PostgresNonceRegistry: NonceRegistry {
    let store: PostgresMetadataStore
    /// When this gateway last deleted expired nonces (each gateway purges about once a minute).
    private let lastPurge = NIOLockedValueBox<Int64>(0)

    public init(store: PostgresMetadataStore) {
        self.store = store
    }

    public func firstUse(of nonce: String, now: Int64, window: Int64) async throws -> Bool {
        let expired = now - window
        let purge = lastPurge.withLockedValue { last -> Bool in
            guard now - last >= 60 else { return false }
            last = now
            return true
        }
        return try await store.database.transaction { connection in
            let logger = self.store.database.logger
            if purge {
                try await connection.execute("DELETE FROM sts_nonces WHERE seen_at < \(expired)", logger: logger)
            }
            // Inserted, or an expired record taken over: first use. Otherwise another request used it.
            let fresh = try await connection.rows("""
                INSERT INTO sts_nonces (nonce, seen_at) VALUES (\(nonce), \(now))
                ON CONFLICT (nonce) DO UPDATE SET seen_at = excluded.seen_at WHERE sts_nonces.seen_at < \(expired)
                RETURNING 1
                """, logger: logger)
            return !fresh.isEmpty
        }
    }
}
