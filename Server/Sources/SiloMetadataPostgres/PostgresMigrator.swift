import Logging
import PostgresNIO
import SiloStorage

/// Applies `PostgresSchema.migrations` that the database lacks, each in its own transaction.
struct PostgresMigrator {
    let database: PostgresDatabase
    let clock: @Sendable () -> Int64

    func migrate() async throws {
        try await checkServer()
        do {
            try await database.query { connection in
                try await connection.execute(PostgresQuery(unsafeSQL: PostgresSchema.bootstrap), logger: self.database.logger)
            }
        } catch where ["23505", "42P07", "42710"].contains(PostgresDatabase.sqlState(error)) {
            // Two gateways created the table at once: IF NOT EXISTS does not serialize catalog inserts, so the
            // loser sees a duplicate key, relation or type; the table exists either way.
        }
        for migration in PostgresSchema.migrations {
            try await apply(migration)
        }
    }

    /// Keys compare as bytes only in a UTF-8 database; anything else would list in a different order.
    private func checkServer() async throws {
        let encoding = try await database.query { connection in
            try await connection.rows("SHOW server_encoding", logger: self.database.logger)
                .first?.decode(String.self) ?? ""
        }
        guard encoding.uppercased() == "UTF8" else {
            throw PostgresSetupError.encoding(encoding)
        }
    }

    private func apply(_ migration: PostgresSchema.Migration) async throws {
        let now = clock()
        do {
            try await database.transaction { connection in
                let logger = self.database.logger
                // Claim the version first: a gateway applying the same migration concurrently waits on this key
                // and then fails with a unique violation; one that finds it applied does nothing.
                let claimed = try await connection.rows("""
                    INSERT INTO silo_migrations (version, name, applied_at)
                    VALUES (\(migration.version), \(migration.name), \(now))
                    ON CONFLICT (version) DO NOTHING RETURNING 1
                    """, logger: logger)
                guard !claimed.isEmpty else { return }
                for statement in migration.statements {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                self.database.logger.info("applied metadata migration", metadata: [
                    "version": "\(migration.version)", "name": "\(migration.name)",
                ])
            }
        } catch where PostgresDatabase.sqlState(error) == "23505" {
            // Another gateway committed this migration while we waited: it is applied.
        }
    }
}

public enum PostgresSetupError: Error, CustomStringConvertible {
    case encoding(String)

    public var description: String {
        switch self {
        case .encoding(let found):
            return "the metadata database must use UTF8 encoding (found \(found)); create it with ENCODING 'UTF8'"
        }
    }
}
