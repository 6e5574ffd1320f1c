import Foundation
import Logging
import SiloMetadataPostgres

/// A fresh, empty database per test on the cluster `scripts/with-postgres.sh` started.
enum TestDatabase {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "SILO_TEST_POSTGRES_URL is not set: run these tests through `make test-swift` (scripts/with-postgres.sh)"
        }
    }

    static var logger: Logger {
        var logger = Logger(label: "silo.test.postgres")
        logger.logLevel = .warning
        return logger
    }

    static func server() throws -> PostgresLocation {
        guard let url = ProcessInfo.processInfo.environment["SILO_TEST_POSTGRES_URL"] else { throw NotConfigured() }
        return try PostgresLocation(url: url)
    }

    /// Creates a database with a random name and returns where it is.
    static func fresh() async throws -> PostgresLocation {
        var location = try server()
        let name = "silo_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await PostgresMetadataStore.administer(location, logger: logger)
        do {
            try await admin.createDatabase(name)
        } catch {
            await admin.shutdown()
            throw error
        }
        await admin.shutdown()
        location.database = name
        return location
    }

    /// A store on a fresh database, shut down after `body`.
    static func withStore<T: Sendable>(_ body: (PostgresMetadataStore) async throws -> T) async throws -> T {
        let store = try await PostgresMetadataStore(location: try await fresh(), logger: logger)
        do {
            let value = try await body(store)
            await store.shutdown()
            return value
        } catch {
            await store.shutdown()
            throw error
        }
    }
}
