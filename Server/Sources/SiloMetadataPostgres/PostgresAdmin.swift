import Logging
import PostgresNIO

/// Server-level chores on a PostgreSQL server: creating the database a cluster of gateways will share (for
/// `make run-cluster` and the tests, which give each case a database of its own).
public final class PostgresAdmin: Sendable {
    let database: PostgresDatabase

    init(database: PostgresDatabase) {
        self.database = database
    }

    /// Creates `name` (UTF-8) unless it exists. Names are limited to lower-case letters, digits and `_`.
    public func createDatabase(_ name: String) async throws {
        guard !name.isEmpty, name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }) else {
            throw PostgresLocation.ParseError.invalid("database name \(name)")
        }
        let exists = try await database.query { connection in
            try await !connection.rows("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: self.database.logger)
                .isEmpty
        }
        guard !exists else { return }
        try await database.query { connection in
            try await connection.execute("CREATE DATABASE \(unescaped: name) ENCODING 'UTF8' TEMPLATE template0",
                                       logger: self.database.logger)
        }
    }

    public func shutdown() async {
        await database.shutdown()
    }
}

extension PostgresMetadataStore {
    /// Connects to `location`'s server for administration (no migrations are applied).
    public static func administer(_ location: PostgresLocation, logger: Logger) async throws -> PostgresAdmin {
        PostgresAdmin(database: PostgresDatabase(location: location, deadline: .seconds(30), logger: logger))
    }
}
