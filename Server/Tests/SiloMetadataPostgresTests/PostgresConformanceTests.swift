import SiloDomain
import SiloIAM
import SiloMetadataPostgres
import SiloStorage
import SiloStorageConformance
import Testing

/// The PostgreSQL store against every concern's conformance suite, the same checks the SQLite store passes.
@Suite struct PostgresConformanceTests {
    @Test(arguments: ObjectStoreConformance.checks.map(\.name))
    func objects(check: String) async throws {
        try await TestDatabase.withStore { store in
            try await #require(ObjectStoreConformance.checks.first { $0.name == check }).run(store)
        }
    }

    @Test(arguments: MultipartStoreConformance.checks.map(\.name))
    func multipart(check: String) async throws {
        try await TestDatabase.withStore { store in
            try await #require(MultipartStoreConformance.checks.first { $0.name == check }).run(store)
        }
    }

    @Test(arguments: MediaJobStoreConformance.checks.map(\.name))
    func mediaJobs(check: String) async throws {
        try await TestDatabase.withStore { store in
            try await #require(MediaJobStoreConformance.checks.first { $0.name == check }).run(store)
        }
    }

    @Test(arguments: EventStoreConformance.checks.map(\.name))
    func events(check: String) async throws {
        try await TestDatabase.withStore { store in
            try await #require(EventStoreConformance.checks.first { $0.name == check }).run(store)
        }
    }

    @Test(arguments: ImageStyleStoreConformance.checks.map(\.name))
    func imageStyles(check: String) async throws {
        try await TestDatabase.withStore { store in
            try await #require(ImageStyleStoreConformance.checks.first { $0.name == check }).run(store)
        }
    }

    @Test(arguments: IAMStoreConformance.checks.map(\.name))
    func identity(check: String) async throws {
        try await TestDatabase.withStore { store in
            try await #require(IAMStoreConformance.checks.first { $0.name == check }).run(store)
        }
    }
}
