import PostgresNIO
import SiloStorage

/// The intent log of a remote blob store, in the shared database, so any gateway's collector finds the writes
/// of a gateway that died. Each change is one statement, committed on its own (no BEGIN/COMMIT round trips); the
/// commit that first references a blob clears its intent (`swapReferences`).
extension PostgresMetadataStore: BlobIntentLog {
    public var commitClearsIntents: Bool { true }

    public func recordIntent(_ blob: BlobID) async throws {
        let now = clock()
        try await database.query { connection in
            try await connection.execute(
                "INSERT INTO blob_intents (id, touched_at) VALUES (\(blob.raw), \(now))", logger: self.database.logger)
        }
    }

    public func touchIntent(_ blob: BlobID) async throws {
        let now = clock()
        try await database.query { connection in
            let touched = try await connection.rows(
                "UPDATE blob_intents SET touched_at = \(now) WHERE id = \(blob.raw) AND claimed_until IS NULL RETURNING 1",
                logger: self.database.logger
            )
            // Claimed by a collector (this writer was silent too long): its chunks are about to be freed.
            if touched.isEmpty { throw IntentLost(blob: blob) }
        }
    }

    public func clearIntent(_ blob: BlobID) async throws {
        try await database.query { connection in
            try await connection.execute("DELETE FROM blob_intents WHERE id = \(blob.raw)", logger: self.database.logger)
        }
    }

    public func claimAbandonedIntents(staleAfter: Int64, lease: Int64, limit: Int) async throws -> [BlobID] {
        let now = clock()
        return try await database.transaction { connection in
            try await connection.rows("""
                UPDATE blob_intents SET claimed_until = \(now + lease) WHERE id IN (
                    SELECT id FROM blob_intents
                    WHERE touched_at < \(now - staleAfter) AND (claimed_until IS NULL OR claimed_until <= \(now))
                    ORDER BY touched_at, id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: self.database.logger).compactMap { BlobID(try $0.decode(String.self)) }
        }
    }
}

/// A writer's intent was claimed by a collector: the blob it is writing will be freed and must not be committed.
public struct IntentLost: Error, Sendable {
    public let blob: BlobID
}
