import Logging
import PostgresNIO
import SiloCore
import SiloStorage

/// Versions on PostgreSQL: `objects` holds each key's current version, `object_versions` the non-current ones and
/// delete markers, ordered per key by `seq`. Every current version is newer than every row of its key in
/// `object_versions`, and a key without a current version has a delete marker (or nothing) as its newest row.
/// Writers that change a key hold its `objects` row lock; where there is no row, the unique `(bucket, key, seq)`
/// makes one of two racing writers retry.
extension PostgresMetadataStore {
    static let versionColumns = objectColumns + ", is_marker, seq"

    static func version(bucket: String, from row: PostgresRow) throws -> StoredVersion? {
        let cells = row.makeRandomAccess()
        if try cells[16].decode(Bool.self) {
            return .deleteMarker(DeleteMarker(key: try cells[0].decode(String.self),
                                              versionId: try cells[15].decode(String.self),
                                              lastModified: try cells[3].decode(Int64.self)))
        }
        return try object(bucket: bucket, from: row).map(StoredVersion.object)
    }

    /// Inserts a row of the history as the key's newest; a racing insert of the same seq makes this transaction retry.
    static func insertVersion(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws {
        if try await connection.rows(query, logger: logger).isEmpty { throw PostgresDatabase.Retry() }
    }

    /// Moves the current version into the history, keeping its blob references.
    static func demote(_ current: ObjectRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await insertVersion("""
            INSERT INTO object_versions (bucket, key, version_id, seq, is_marker, size, etag, last_modified, content_type,
                content_md5, crc64, type, storage_class, acl, headers, user_meta, extents, symlink_target, tags)
            SELECT \(current.bucket), \(current.key), \(current.versionName),
                coalesce(max(seq), 0) + 1, false, \(current.size), \(current.etag), \(current.lastModified),
                \(current.contentType), \(current.contentMD5), \(RecordCoding.encode(crc: current.crc64)),
                \(current.type.rawValue), \(current.storageClass.rawValue), \(current.acl.rawValue),
                \(RecordCoding.encode(current.headers)), \(RecordCoding.encode(current.userMetadata)),
                \(RecordCoding.encode(current.extents)), \(current.symlinkTarget), \(RecordCoding.encode(current.tags))
            FROM object_versions WHERE bucket = \(current.bucket) AND key = \(current.key)
            ON CONFLICT DO NOTHING RETURNING 1
            """, on: connection, logger: logger)
    }

    static func addMarker(_ marker: DeleteMarker, bucket: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await insertVersion("""
            INSERT INTO object_versions (bucket, key, version_id, seq, is_marker, last_modified)
            SELECT \(bucket), \(marker.key), \(marker.versionId), coalesce(max(seq), 0) + 1, true, \(marker.lastModified)
            FROM object_versions WHERE bucket = \(bucket) AND key = \(marker.key)
            ON CONFLICT DO NOTHING RETURNING 1
            """, on: connection, logger: logger)
    }

    /// Removes a non-current version for good, releasing its blobs; answers what it was.
    @discardableResult
    static func dropVersion(bucket: String, key: String, versionId: String, on connection: PostgresConnection, now: Int64,
                            logger: Logger) async throws -> StoredVersion? {
        let rows = try await connection.rows("""
            DELETE FROM object_versions WHERE bucket = \(bucket) AND key = \(key) AND version_id = \(versionId)
            RETURNING \(unescaped: versionColumns)
            """, logger: logger)
        guard let row = rows.first, let version = try version(bucket: bucket, from: row) else { return nil }
        if case .object(let record) = version {
            var counts: [BlobID: Int64] = [:]
            for blob in Set(record.extents.map(\.blob)) { counts[blob] = 1 }
            try await release(counts: counts, on: connection, now: now, logger: logger)
        }
        return version
    }

    /// After the current version went: the newest remaining version becomes current, unless it is a delete marker.
    static func promoteNewest(bucket: String, key: String, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.rows("""
            SELECT \(unescaped: versionColumns) FROM object_versions WHERE bucket = \(bucket) AND key = \(key)
            ORDER BY seq DESC LIMIT 1 FOR UPDATE
            """, logger: logger)
        guard let row = rows.first, case .object(let record)? = try version(bucket: bucket, from: row) else { return }
        try await connection.execute("""
            DELETE FROM object_versions WHERE bucket = \(bucket) AND key = \(key) AND version_id = \(record.versionName)
            """, logger: logger)
        let inserted = try await connection.rows("""
            INSERT INTO objects (bucket, key, size, etag, last_modified, content_type, content_md5, crc64, type,
                storage_class, acl, headers, user_meta, extents, symlink_target, tags, version_id)
            VALUES (\(bucket), \(key), \(record.size), \(record.etag), \(record.lastModified), \(record.contentType),
                \(record.contentMD5), \(RecordCoding.encode(crc: record.crc64)), \(record.type.rawValue),
                \(record.storageClass.rawValue), \(record.acl.rawValue), \(RecordCoding.encode(record.headers)),
                \(RecordCoding.encode(record.userMetadata)), \(RecordCoding.encode(record.extents)),
                \(record.symlinkTarget), \(RecordCoding.encode(record.tags)), \(record.versionId))
            ON CONFLICT (bucket, key) DO NOTHING RETURNING 1
            """, logger: logger)
        if inserted.isEmpty { throw PostgresDatabase.Retry() }
    }

    /// A delete without a version id: unversioned, the object goes; versioned, it stays behind a new delete marker
    /// (the `null` one when suspended, which replaces an earlier `null` version). `current` is locked by the caller.
    static func deleteCurrent(bucket: String, key: String, current: ObjectRecord?, state: BucketState, eventName: String,
                              on connection: PostgresConnection, now: Int64, logger: Logger) async throws -> KeyDeletion {
        guard let versioning = state.versioning else {
            guard let current else { return KeyDeletion(key: key, marker: nil) }
            try await connection.execute("DELETE FROM objects WHERE bucket = \(bucket) AND key = \(key)", logger: logger)
            var counts: [BlobID: Int64] = [:]
            for blob in Set(current.extents.map(\.blob)) { counts[blob] = 1 }
            try await release(counts: counts, on: connection, now: now, logger: logger)
            try await emit(PendingEvent.forDelete(current, name: eventName, configuration: state.notifications, now: now),
                           on: connection, now: now, logger: logger)
            return KeyDeletion(key: key, marker: nil)
        }
        let marker = DeleteMarker(
            key: key, versionId: Optional(versioning).versionId(fresh: VersionID.generate(microseconds: microseconds()))!,
            lastModified: now)
        if versioning == .suspended {
            try await dropVersion(bucket: bucket, key: key, versionId: VersionID.null, on: connection, now: now, logger: logger)
        }
        if let current {
            try await connection.execute("DELETE FROM objects WHERE bucket = \(bucket) AND key = \(key)", logger: logger)
            if versioning == .suspended && current.versionName == VersionID.null {
                var counts: [BlobID: Int64] = [:]
                for blob in Set(current.extents.map(\.blob)) { counts[blob] = 1 }
                try await release(counts: counts, on: connection, now: now, logger: logger)
            } else {
                try await demote(current, on: connection, logger: logger)
            }
            try await emit(PendingEvent.forDelete(current, name: ObjectEventName.deleteMarkerCreated,
                                                  configuration: state.notifications, now: now),
                           on: connection, now: now, logger: logger)
        }
        try await addMarker(marker, bucket: bucket, on: connection, logger: logger)
        return KeyDeletion(key: key, marker: marker)
    }

    static func fetchVersion(_ connection: PostgresConnection, bucket: String, key: String, versionId: String,
                             locking: Bool = false, logger: Logger) async throws -> StoredVersion? {
        if let current = try await fetchObject(connection, bucket: bucket, key: key, locking: locking, logger: logger),
           current.versionName == versionId
        {
            return .object(current)
        }
        let query: PostgresQuery = locking
            ? """
            SELECT \(unescaped: versionColumns) FROM object_versions
            WHERE bucket = \(bucket) AND key = \(key) AND version_id = \(versionId) FOR UPDATE
            """
            : """
            SELECT \(unescaped: versionColumns) FROM object_versions
            WHERE bucket = \(bucket) AND key = \(key) AND version_id = \(versionId)
            """
        let rows = try await connection.rows(query, logger: logger)
        return try rows.first.flatMap { try version(bucket: bucket, from: $0) }
    }

    public func objectVersion(bucket: String, key: String, versionId: String) async throws -> StoredVersion? {
        try await database.query { connection in
            try await Self.fetchVersion(connection, bucket: bucket, key: key, versionId: versionId,
                                        logger: self.database.logger)
        }
    }

    public func latestDeleteMarker(bucket: String, key: String) async throws -> DeleteMarker? {
        try await database.query { connection in
            let rows = try await connection.rows("""
                SELECT \(unescaped: Self.versionColumns) FROM object_versions v
                WHERE bucket = \(bucket) AND key = \(key)
                    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket = v.bucket AND o.key = v.key)
                ORDER BY seq DESC LIMIT 1
                """, logger: self.database.logger)
            guard let row = rows.first, case .deleteMarker(let marker)? = try Self.version(bucket: bucket, from: row) else {
                return nil
            }
            return marker
        }
    }

    public func deleteVersions(bucket: String, _ targets: [(key: String, versionId: String)]) async throws
        -> [VersionDeletion]?
    {
        let now = clock()
        return try await database.transaction { connection in
            let logger = self.database.logger
            let state = try await Self.bucketState(bucket, on: connection, logger: logger)
            guard state.exists else { return nil }
            var results: [VersionDeletion] = []
            for target in targets {
                var wasMarker = false
                let current = try await Self.fetchObject(connection, bucket: bucket, key: target.key, locking: true,
                                                         logger: logger)
                if let current, current.versionName == target.versionId {
                    try await connection.execute("DELETE FROM objects WHERE bucket = \(bucket) AND key = \(target.key)",
                                                 logger: logger)
                    var counts: [BlobID: Int64] = [:]
                    for blob in Set(current.extents.map(\.blob)) { counts[blob] = 1 }
                    try await Self.release(counts: counts, on: connection, now: now, logger: logger)
                    try await Self.emit(PendingEvent.forDelete(current, configuration: state.notifications, now: now),
                                        on: connection, now: now, logger: logger)
                    try await Self.promoteNewest(bucket: bucket, key: target.key, on: connection, logger: logger)
                } else if let removed = try await Self.dropVersion(bucket: bucket, key: target.key,
                                                                   versionId: target.versionId, on: connection, now: now,
                                                                   logger: logger) {
                    if case .deleteMarker = removed { wasMarker = true }
                    if current == nil {
                        try await Self.promoteNewest(bucket: bucket, key: target.key, on: connection, logger: logger)
                    }
                }
                results.append(VersionDeletion(key: target.key, versionId: target.versionId, wasDeleteMarker: wasMarker))
            }
            return results
        }
    }

    public func updateAttributes(bucket: String, key: String, versionId: String?, expected: ObjectVersion,
                                 acl: ObjectACL, tags: ObjectTagSet, storageClass: StorageClass) async throws -> Bool {
        try await database.transaction { connection in
            let logger = self.database.logger
            let current = try await Self.fetchObject(connection, bucket: bucket, key: key, locking: true, logger: logger)
            if let current, versionId == nil || current.versionName == versionId {
                guard ObjectVersion(current) == expected else { return false }
                try await connection.execute("""
                    UPDATE objects SET acl = \(acl.rawValue), tags = \(RecordCoding.encode(tags)),
                        storage_class = \(storageClass.rawValue)
                    WHERE bucket = \(bucket) AND key = \(key)
                    """, logger: logger)
                return true
            }
            guard let versionId,
                  case .object(let record)? = try await Self.fetchVersion(connection, bucket: bucket, key: key,
                                                                          versionId: versionId, locking: true, logger: logger),
                  ObjectVersion(record) == expected
            else { return false }
            try await connection.execute("""
                UPDATE object_versions SET acl = \(acl.rawValue), tags = \(RecordCoding.encode(tags)),
                    storage_class = \(storageClass.rawValue)
                WHERE bucket = \(bucket) AND key = \(key) AND version_id = \(versionId)
                """, logger: logger)
            return true
        }
    }

    public func listVersions(_ query: VersionListQuery) async throws -> VersionListing {
        let database = self.database
        let bucket = query.bucket
        return try await VersionLister(
            query: query,
            keyVersions: { key in
                try await database.query { connection in
                    var versions: [StoredVersion] = []
                    if let current = try await Self.fetchObject(connection, bucket: bucket, key: key, logger: database.logger) {
                        versions.append(.object(current))
                    }
                    let rows = try await connection.rows("""
                        SELECT \(unescaped: Self.versionColumns) FROM object_versions
                        WHERE bucket = \(bucket) AND key = \(key) ORDER BY seq DESC
                        """, logger: database.logger)
                    for row in rows { if let version = try Self.version(bucket: bucket, from: row) { versions.append(version) } }
                    return versions
                }
            },
            versionsFrom: { from, inclusive, limit in
                try await database.query { connection in
                    let comparison = inclusive ? ">=" : ">"
                    let rows = try await connection.rows("""
                        SELECT * FROM (
                            SELECT \(unescaped: Self.objectColumns), false AS is_marker, 9223372036854775807 AS seq
                            FROM objects WHERE bucket = \(bucket) AND key \(unescaped: comparison) \(from)
                                AND key >= \(query.prefix)
                            UNION ALL
                            SELECT \(unescaped: Self.versionColumns) FROM object_versions
                            WHERE bucket = \(bucket) AND key \(unescaped: comparison) \(from) AND key >= \(query.prefix)
                        ) AS v ORDER BY key, seq DESC LIMIT \(Int64(limit))
                        """, logger: database.logger)
                    var result: [(key: String, version: StoredVersion)] = []
                    for row in rows {
                        if let version = try Self.version(bucket: bucket, from: row) {
                            result.append((key: try row.makeRandomAccess()[0].decode(String.self), version: version))
                        }
                    }
                    return result
                }
            }
        ).run()
    }
}
