import Foundation
import Logging
import PostgresNIO
import SiloCore
import SiloStorage

/// Metadata on PostgreSQL, for many stateless gateways over one database. Every mutation is one transaction that
/// locks what it reads before deciding (`FOR UPDATE` on the object, upload or part it replaces), so two gateways
/// racing on one key serialize in the database and exactly one condition holds. Nothing is cached in the
/// process: what a request reads is what is committed.
public final class PostgresMetadataStore: ObjectStore, MultipartStore, Sendable {
    let database: PostgresDatabase
    let clock: @Sendable () -> Int64

    /// Connects, checks the server, and applies pending migrations (safe when several gateways start at once).
    public init(location: PostgresLocation, deadline: Duration = .seconds(10), logger: Logger,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) async throws {
        database = PostgresDatabase(location: location, deadline: deadline, logger: logger)
        self.clock = clock
        do {
            try await PostgresMigrator(database: database, clock: clock).migrate()
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// Closes the connections; the store is unusable afterwards.
    public func shutdown() async {
        await database.shutdown()
    }

    // MARK: buckets

    static let bucketColumns =
        "name, owner, created_at, acl, storage_class, cors, policy, tags, lifecycle, referer, notifications, versioning, encryption"

    static func bucket(from row: PostgresRow) throws -> BucketRecord {
        let (name, owner, createdAt, acl, storageClass, corsText, policy, tags, lifecycle, referer, notifications, versioning,
             encryption) =
            try row.decode((String, String, Int64, String, String, String?, String?, String?, String?, String?, String?,
                            String?, String?).self)
        let cors = corsText.flatMap { try? XMLBody.decode(CORSConfiguration.self, from: Array($0.utf8), root: "CORSConfiguration") }
        return BucketRecord(name: name, owner: owner, createdAt: createdAt, acl: BucketACL(rawValue: acl) ?? .private,
                            storageClass: StorageClass(rawValue: storageClass) ?? .standard, cors: cors, policy: policy,
                            tags: RecordCoding.decodeTagList(tags), lifecycle: RecordCoding.decodeLifecycle(lifecycle),
                            referer: RecordCoding.decodeReferer(referer),
                            notifications: RecordCoding.decodeNotifications(notifications),
                            versioning: versioning.flatMap(VersioningStatus.init(rawValue:)), encryption: encryption)
    }

    public func createBucket(_ bucket: BucketRecord) async throws -> (record: BucketRecord, created: Bool) {
        try await database.transaction { connection in
            let inserted = try await connection.rows("""
                INSERT INTO buckets (name, owner, created_at, acl, storage_class, cors, policy, tags, lifecycle, referer,
                                     notifications, versioning, encryption)
                VALUES (\(bucket.name), \(bucket.owner), \(bucket.createdAt), \(bucket.acl.rawValue),
                        \(bucket.storageClass.rawValue), \(bucket.cors?.xmlString()), \(bucket.policy),
                        \(RecordCoding.encode(bucket.tags)), \(RecordCoding.encode(bucket.lifecycle)),
                        \(RecordCoding.encode(bucket.referer)), \(RecordCoding.encode(bucket.notifications)),
                        \(bucket.versioning?.rawValue), \(bucket.encryption))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: self.database.logger)
            if !inserted.isEmpty { return (bucket, true) }
            guard let existing = try await Self.fetchBucket(connection, bucket.name, logger: self.database.logger) else {
                throw PostgresDatabase.Retry()  // deleted between the conflict and the read
            }
            return (existing, false)
        }
    }

    static func fetchBucket(_ connection: PostgresConnection, _ name: String, logger: Logger) async throws -> BucketRecord? {
        let rows = try await connection.rows(
            "SELECT \(unescaped: bucketColumns) FROM buckets WHERE name = \(name)",
            logger: logger
        )
        return try rows.first.map(bucket(from:))
    }

    public func bucket(_ name: String) async throws -> BucketRecord? {
        try await database.query { connection in try await Self.fetchBucket(connection, name, logger: self.database.logger) }
    }

    public func listBuckets(prefix: String, after marker: String, limit: Int) async throws -> [BucketRecord] {
        let lower = max(prefix, marker)
        let upper = KeyOrder.successor(of: prefix)
        return try await database.query { connection in
            var statement = StatementBuilder("SELECT \(Self.bucketColumns) FROM buckets WHERE ")
            let (lowerBound, markerBound) = (statement.bind(lower), statement.bind(marker))
            statement.append("name >= \(lowerBound) AND name > \(markerBound)")
            if !prefix.isEmpty, let upper {
                let upperBound = statement.bind(upper)
                statement.append(" AND name < \(upperBound)")
            }
            let count = statement.bind(Int64(max(0, limit)))
            statement.append(" ORDER BY name LIMIT \(count)")
            let query = statement.query
            return try await connection.rows(query, logger: self.database.logger).map(Self.bucket(from:))
        }
    }

    public func updateBucket(_ name: String, _ update: BucketUpdate) async throws -> Bool {
        try await database.transaction { connection in
            let query: PostgresQuery
            switch update {
            case .acl(let acl): query = "UPDATE buckets SET acl = \(acl.rawValue) WHERE name = \(name) RETURNING 1"
            case .cors(let cors): query = "UPDATE buckets SET cors = \(cors?.xmlString()) WHERE name = \(name) RETURNING 1"
            case .policy(let policy): query = "UPDATE buckets SET policy = \(policy) WHERE name = \(name) RETURNING 1"
            case .tags(let tags):
                query = "UPDATE buckets SET tags = \(RecordCoding.encode(tags)) WHERE name = \(name) RETURNING 1"
            case .lifecycle(let lifecycle):
                query = "UPDATE buckets SET lifecycle = \(RecordCoding.encode(lifecycle)) WHERE name = \(name) RETURNING 1"
            case .referer(let referer):
                query = "UPDATE buckets SET referer = \(RecordCoding.encode(referer)) WHERE name = \(name) RETURNING 1"
            case .notifications(let notifications):
                query = "UPDATE buckets SET notifications = \(RecordCoding.encode(notifications)) WHERE name = \(name) RETURNING 1"
            case .versioning(let status):
                query = "UPDATE buckets SET versioning = \(status.rawValue) WHERE name = \(name) RETURNING 1"
            case .encryption(let algorithm):
                query = "UPDATE buckets SET encryption = \(algorithm) WHERE name = \(name) RETURNING 1"
            }
            return try await !connection.rows(query, logger: self.database.logger).isEmpty
        }
    }

    public func deleteBucket(_ name: String) async throws -> BucketDeletion {
        try await database.transaction { connection in
            let logger = self.database.logger
            // The row lock waits out writers that are adding an object or upload to the bucket (their foreign key
            // holds a share lock on it), so what is counted below is committed.
            guard try await !connection.rows("SELECT 1 FROM buckets WHERE name = \(name) FOR UPDATE", logger: logger).isEmpty
            else { return .notFound }
            let objects = try await connection.rows("SELECT 1 FROM objects WHERE bucket = \(name) LIMIT 1", logger: logger)
            let uploads = try await connection.rows("SELECT 1 FROM uploads WHERE bucket = \(name) LIMIT 1", logger: logger)
            let versions = try await connection.rows("SELECT 1 FROM object_versions WHERE bucket = \(name) LIMIT 1",
                                                      logger: logger)
            if !objects.isEmpty || !uploads.isEmpty || !versions.isEmpty { return .notEmpty }
            try await connection.execute("DELETE FROM image_styles WHERE bucket = \(name)", logger: logger)
            try await connection.execute("DELETE FROM buckets WHERE name = \(name)", logger: logger)
            return .deleted
        }
    }

    public func statistics(bucket: String) async throws -> BucketStatistics {
        try await database.query { connection in
            let rows = try await connection.rows("""
                SELECT storage_class, count(*), coalesce(sum(size), 0)::bigint, coalesce(max(last_modified), 0)::bigint
                FROM objects WHERE bucket = \(bucket) GROUP BY storage_class
                """, logger: self.database.logger)
            var stats = BucketStatistics(objectCount: 0, totalSize: 0, lastModified: 0, byStorageClass: [:])
            for row in rows {
                let (storageClass, count, size, modified) = try row.decode((String, Int64, Int64, Int64).self)
                stats.objectCount += count
                stats.totalSize += size
                stats.lastModified = max(stats.lastModified, modified)
                if let storageClass = StorageClass(rawValue: storageClass) { stats.byStorageClass[storageClass] = (count, size) }
            }
            return stats
        }
    }
}

/// A statement whose text depends on its inputs (optional bounds), binding each value as it is placed.
struct StatementBuilder {
    private(set) var sql = ""
    private var binds = PostgresBindings()

    init(_ sql: String = "") { self.sql = sql }

    /// Binds `value` and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    mutating func append(_ text: String) { sql += text }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
