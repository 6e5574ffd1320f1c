import Foundation
import Logging
import PostgresNIO
import SiloCore
import SiloStorage

extension PostgresMetadataStore {
    static let objectColumns =
        "key, size, etag, last_modified, content_type, content_md5, crc64, type, storage_class, acl, headers, user_meta, extents, symlink_target, tags, version_id"

    static func object(bucket: String, from row: PostgresRow) throws -> ObjectRecord? {
        let (key, size, etag, lastModified, contentType, contentMD5, crc, type, storageClass, acl, headers, userMeta,
             extentsText, symlinkTarget, tags) = try row.decode(
                (String, Int64, String, Int64, String, String?, Int64, String, String, String, String?, String?, String,
                 String?, String?).self)
        guard let extents = RecordCoding.decodeExtents(extentsText) else { return nil }
        let versionId = try row.makeRandomAccess()[15].decode(String?.self)
        return ObjectRecord(
            bucket: bucket, key: key, size: size, etag: etag, lastModified: lastModified, contentType: contentType,
            contentMD5: contentMD5, crc64: RecordCoding.decode(crc: crc), type: ObjectType(rawValue: type) ?? .normal,
            storageClass: StorageClass(rawValue: storageClass) ?? .standard, acl: ObjectACL(rawValue: acl) ?? .default,
            headers: RecordCoding.decodeHeaders(headers), userMetadata: RecordCoding.decodeMetadata(userMeta),
            extents: extents, symlinkTarget: symlinkTarget, tags: RecordCoding.decodeTags(tags), versionId: versionId)
    }

    /// The current object; `locking` takes its row lock until the transaction ends.
    static func fetchObject(_ connection: PostgresConnection, bucket: String, key: String, locking: Bool = false,
                            logger: Logger) async throws -> ObjectRecord? {
        let query: PostgresQuery = locking
            ? "SELECT \(unescaped: objectColumns) FROM objects WHERE bucket = \(bucket) AND key = \(key) FOR UPDATE"
            : "SELECT \(unescaped: objectColumns) FROM objects WHERE bucket = \(bucket) AND key = \(key)"
        let rows = try await connection.rows(query, logger: logger)
        return try rows.first.flatMap { try object(bucket: bucket, from: $0) }
    }

    static func bucketExists(_ connection: PostgresConnection, _ name: String, logger: Logger) async throws -> Bool {
        try await !connection.rows("SELECT 1 FROM buckets WHERE name = \(name)", logger: logger).isEmpty
    }

    public func object(bucket: String, key: String) async throws -> ObjectRecord? {
        try await database.query { connection in
            try await Self.fetchObject(connection, bucket: bucket, key: key, logger: self.database.logger)
        }
    }

    public func commitObject(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition) async throws
        -> CommitOutcome
    {
        let now = clock()
        do {
            return try await database.transaction { connection in
                let logger = self.database.logger
                let current = try await Self.fetchObject(
                    connection, bucket: record.bucket, key: record.key, locking: true, logger: logger)
                // A missing bucket is found by the insert's foreign key (23503, below) rather than by one more
                // round trip on every write; only a failed condition looks first, as NoSuchBucket outranks it.
                switch condition {
                case .none: break
                case .mustNotExist:
                    if current != nil { return .conditionFailed(current: current) }
                case .currentVersion(let expected):
                    if current.map(ObjectVersion.init) != expected {
                        if current == nil, try await !Self.bucketExists(connection, record.bucket, logger: logger) {
                            return .noSuchBucket
                        }
                        return .conditionFailed(current: current)
                    }
                }
                let versionId = try await Self.replaceObject(record, current: current, newBlobs: newBlobs,
                                                             on: connection, now: now, logger: logger)
                return .committed(versionId: versionId)
            }
        } catch SourceReleased.rollback {
            return .sourceReleased
        } catch where PostgresDatabase.sqlState(error) == "23503" {
            return .noSuchBucket  // the bucket went away between the check and the insert
        }
    }

    /// A reused blob was released meanwhile: the transaction rolls back and the caller re-reads its source.
    enum SourceReleased: Error { case rollback }

    /// Writes `record` over `current` (locked by the caller, or absent) as the bucket's versioning state (read
    /// here, in the transaction) says: unversioned, the old version is replaced and the blobs only it named are
    /// released; enabled, it becomes non-current and keeps its blobs; suspended, the new version is the `null` one,
    /// replacing any earlier `null` version. Answers the id the new version got.
    @discardableResult
    static func replaceObject(_ record: ObjectRecord, current: ObjectRecord?, newBlobs: Set<BlobID>,
                              on connection: PostgresConnection, now: Int64, logger: Logger) async throws -> String? {
        let state = try await bucketState(record.bucket, on: connection, logger: logger)
        var record = record
        record.versionId = state.versioning.versionId(fresh: VersionID.generate(microseconds: microseconds()))
        var replaced = current
        if state.versioning != nil {
            if record.versionId == VersionID.null {
                try await dropVersion(bucket: record.bucket, key: record.key, versionId: VersionID.null, on: connection,
                                      now: now, logger: logger)
            }
            if let current, state.versioning == .enabled || current.versionName != VersionID.null {
                try await demote(current, on: connection, logger: logger)
                replaced = nil
            }
        }
        let new = Set(record.extents.map(\.blob))
        let old = Set(replaced?.extents.map(\.blob) ?? [])
        try await swapReferences(from: old, to: new, newBlobs: newBlobs, on: connection, now: now, logger: logger)
        let headers = RecordCoding.encode(record.headers)
        let userMeta = RecordCoding.encode(record.userMetadata)
        let extents = RecordCoding.encode(record.extents)
        let crc = RecordCoding.encode(crc: record.crc64)
        let tags = RecordCoding.encode(record.tags)
        if current == nil {
            // Absent when read: insert, and if another transaction inserted it first, start over and see it.
            let inserted = try await connection.rows("""
                INSERT INTO objects (bucket, key, size, etag, last_modified, content_type, content_md5, crc64, type,
                    storage_class, acl, headers, user_meta, extents, symlink_target, tags, version_id)
                VALUES (\(record.bucket), \(record.key), \(record.size), \(record.etag), \(record.lastModified),
                    \(record.contentType), \(record.contentMD5), \(crc), \(record.type.rawValue),
                    \(record.storageClass.rawValue), \(record.acl.rawValue), \(headers), \(userMeta), \(extents),
                    \(record.symlinkTarget), \(tags), \(record.versionId))
                ON CONFLICT (bucket, key) DO NOTHING RETURNING 1
                """, logger: logger)
            if inserted.isEmpty { throw PostgresDatabase.Retry() }
        } else {
            try await connection.execute("""
                UPDATE objects SET size = \(record.size), etag = \(record.etag), last_modified = \(record.lastModified),
                    content_type = \(record.contentType), content_md5 = \(record.contentMD5), crc64 = \(crc),
                    type = \(record.type.rawValue), storage_class = \(record.storageClass.rawValue),
                    acl = \(record.acl.rawValue), headers = \(headers), user_meta = \(userMeta), extents = \(extents),
                    symlink_target = \(record.symlinkTarget), tags = \(tags), version_id = \(record.versionId)
                WHERE bucket = \(record.bucket) AND key = \(record.key)
                """, logger: logger)
        }
        try await Self.emit(PendingEvent.forCommit(record, replacing: current, configuration: state.notifications, now: now),
                            on: connection, now: now, logger: logger)
        return record.versionId
    }

    /// What a write needs to know about its bucket, read inside the writing transaction so a change and its
    /// events commit together and follow the versioning state the change was made under.
    struct BucketState: Sendable {
        var exists = false
        var notifications: NotificationConfiguration?
        var versioning: VersioningStatus?
    }

    static func bucketState(_ bucket: String, on connection: PostgresConnection, logger: Logger) async throws -> BucketState {
        let rows = try await connection.rows("SELECT notifications, versioning FROM buckets WHERE name = \(bucket)",
                                              logger: logger)
        guard let row = rows.first else { return BucketState() }
        let (notifications, versioning) = try row.decode((String?, String?).self)
        return BucketState(exists: true, notifications: RecordCoding.decodeNotifications(notifications),
                           versioning: versioning.flatMap(VersioningStatus.init(rawValue:)))
    }

    static func microseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000)) }

    static func emit(_ events: [PendingEvent], on connection: PostgresConnection, now: Int64, logger: Logger) async throws {
        for event in events {
            try await connection.execute("""
                INSERT INTO events (bucket, key, rule_id, endpoint, name, etag, size, time, state, next_attempt_at)
                VALUES (\(event.bucket), \(event.key), \(event.ruleId), \(event.endpoint), \(event.name), \(event.etag),
                        \(event.size), \(event.time), 'pending', \(now))
                """, logger: logger)
        }
    }

    /// Moves one reference from each blob only `old` names to each blob only `new` names, in one statement. A blob
    /// just written (in `newBlobs`) is registered, and its write intent cleared in the same transaction, so no
    /// collector can take it for abandoned once this commits; if a collector already claimed the intent, its
    /// chunks are being freed and the transaction rolls back (`IntentLost`). Any other added blob must still be
    /// live, or the transaction rolls back (`sourceReleased`).
    static func swapReferences(from old: Set<BlobID>, to new: Set<BlobID>, newBlobs: Set<BlobID>,
                               on connection: PostgresConnection, now: Int64, logger: Logger) async throws {
        let added = new.subtracting(old)
        let freshBlobs = added.filter(newBlobs.contains).sorted()
        let fresh = freshBlobs.map(\.raw)
        let reused = added.filter { !newBlobs.contains($0) }.map(\.raw).sorted()
        let released = old.subtracting(new).map(\.raw).sorted()
        guard !(fresh.isEmpty && reused.isEmpty && released.isEmpty) else { return }
        // The three sets are disjoint, so no row is changed twice by the one statement.
        let rows = try await connection.rows("""
            WITH cleared AS (
                DELETE FROM blob_intents WHERE id = ANY(\(fresh)::text[]) RETURNING claimed_until),
            registered AS (
                INSERT INTO blobs (id, refs) SELECT unnest(\(fresh)::text[]), 1),
            retained AS (
                UPDATE blobs SET refs = refs + 1 WHERE id = ANY(\(reused)::text[]) AND refs > 0 RETURNING 1),
            dropped AS (
                UPDATE blobs SET refs = refs - 1, released_at = CASE WHEN refs = 1 THEN \(now) ELSE released_at END
                WHERE id = ANY(\(released)::text[]))
            SELECT (SELECT count(*) FROM cleared WHERE claimed_until IS NOT NULL), (SELECT count(*) FROM retained)
            """, logger: logger)
        guard let row = rows.first else { throw PostgresDatabase.Retry() }  // unreachable: two scalars make one row
        let (claimed, retained) = try row.decode((Int64, Int64).self)
        if claimed > 0 { throw IntentLost(blob: freshBlobs[0]) }
        if retained != Int64(reused.count) { throw SourceReleased.rollback }
    }

    public func deleteObjects(bucket: String, keys: [String]) async throws -> [KeyDeletion]? {
        let now = clock()
        return try await database.transaction { connection in
            let logger = self.database.logger
            let state = try await Self.bucketState(bucket, on: connection, logger: logger)
            guard state.exists else { return nil }
            guard state.versioning == nil else {
                var results: [KeyDeletion] = []
                for key in keys {
                    let current = try await Self.fetchObject(connection, bucket: bucket, key: key, locking: true, logger: logger)
                    results.append(try await Self.deleteCurrent(bucket: bucket, key: key, current: current, state: state,
                                                                eventName: ObjectEventName.delete, on: connection, now: now,
                                                                logger: logger))
                }
                return results
            }
            let unique = Array(Set(keys)).sorted()
            guard !unique.isEmpty else { return [] }
            let rows = try await connection.rows(
                "DELETE FROM objects WHERE bucket = \(bucket) AND key = ANY(\(unique)) RETURNING key, etag, size, extents",
                logger: logger
            )
            // Each deleted object held one reference to each of its blobs; blobs shared between deleted objects
            // lose one per object.
            var counts: [BlobID: Int64] = [:]
            var removed: [(key: String, etag: String, size: Int64)] = []
            for row in rows {
                let (key, etag, size, extents) = try row.decode((String, String, Int64, String).self)
                removed.append((key, etag, size))
                for blob in Set((RecordCoding.decodeExtents(extents) ?? []).map(\.blob)) {
                    counts[blob, default: 0] += 1
                }
            }
            try await Self.release(counts: counts, on: connection, now: now, logger: logger)
            if let notifications = state.notifications {
                for object in removed.sorted(by: { $0.key < $1.key }) {
                    try await Self.emit(notifications.events(
                        named: ObjectEventName.delete, bucket: bucket, key: object.key, etag: object.etag, size: object.size,
                        time: now), on: connection, now: now, logger: logger)
                }
            }
            return keys.map { KeyDeletion(key: $0, marker: nil) }
        }
    }

    public func deleteObject(bucket: String, key: String, ifVersion version: ObjectVersion) async throws -> Bool {
        let now = clock()
        return try await database.transaction { connection in
            let logger = self.database.logger
            guard let current = try await Self.fetchObject(connection, bucket: bucket, key: key, locking: true, logger: logger),
                  ObjectVersion(current) == version
            else { return false }
            let state = try await Self.bucketState(bucket, on: connection, logger: logger)
            _ = try await Self.deleteCurrent(bucket: bucket, key: key, current: current, state: state,
                                             eventName: ObjectEventName.expired, on: connection, now: now, logger: logger)
            return true
        }
    }

    /// Drops `counts[blob]` references from each blob.
    static func release(counts: [BlobID: Int64], on connection: PostgresConnection, now: Int64, logger: Logger) async throws {
        guard !counts.isEmpty else { return }
        let ordered = counts.sorted { $0.key < $1.key }
        let ids = ordered.map(\.key.raw)
        let drops = ordered.map(\.value)
        try await connection.execute("""
            UPDATE blobs SET refs = blobs.refs - d.n,
                released_at = CASE WHEN blobs.refs = d.n THEN \(now) ELSE blobs.released_at END
            FROM (SELECT unnest(\(ids)::text[]) AS id, unnest(\(drops)::bigint[]) AS n) AS d
            WHERE blobs.id = d.id
            """, logger: logger)
    }

    public func listObjects(_ query: ListQuery) async throws -> ObjectListing {
        try await database.query { connection in
            try await PostgresObjectLister(connection: connection, query: query, logger: self.database.logger).run()
        }
    }

    // MARK: blob lifecycle

    public func isReferenced(_ blob: BlobID) async throws -> Bool {
        try await database.query { connection in
            try await !connection.rows("SELECT 1 FROM blobs WHERE id = \(blob.raw) AND refs > 0", logger: self.database.logger)
                .isEmpty
        }
    }

    public func releasedBlobs(releasedBefore cutoff: Int64, limit: Int) async throws -> [BlobID] {
        try await database.query { connection in
            try await connection.rows("""
                SELECT id FROM blobs WHERE refs = 0 AND released_at <= \(cutoff) ORDER BY released_at, id LIMIT \(Int64(limit))
                """, logger: self.database.logger).compactMap { BlobID(try $0.decode(String.self)) }
        }
    }

    public func claimReleasedBlobs(releasedBefore cutoff: Int64, lease: Int64, limit: Int) async throws -> [BlobID] {
        let now = clock()
        return try await database.transaction { connection in
            // SKIP LOCKED: collectors on other gateways take other rows instead of waiting for these.
            try await connection.rows("""
                UPDATE blobs SET claimed_until = \(now + lease) WHERE id IN (
                    SELECT id FROM blobs
                    WHERE refs = 0 AND released_at <= \(cutoff) AND (claimed_until IS NULL OR claimed_until <= \(now))
                    ORDER BY released_at, id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: self.database.logger).compactMap { BlobID(try $0.decode(String.self)) }.sorted()
        }
    }

    public func forgetReleased(_ blobs: [BlobID]) async throws {
        guard !blobs.isEmpty else { return }
        let ids = blobs.map(\.raw).sorted()
        try await database.transaction { connection in
            try await connection.execute("DELETE FROM blobs WHERE id = ANY(\(ids)) AND refs = 0", logger: self.database.logger)
        }
    }

    public func knownBlobs() async throws -> Set<BlobID> {
        try await database.query { connection in
            Set(try await connection.rows("SELECT id FROM blobs", logger: self.database.logger)
                .compactMap { BlobID(try $0.decode(String.self)) })
        }
    }
}
