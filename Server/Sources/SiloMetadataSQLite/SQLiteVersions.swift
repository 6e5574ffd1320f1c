import Foundation
import GRDB
import SiloCore
import SiloStorage

/// Versions on SQLite: `objects` holds each key's current version, `object_versions` the non-current ones and
/// delete markers, ordered per key by `seq`. Every current version is newer than every row of its key in
/// `object_versions`, and a key without a current version has a delete marker (or nothing) as its newest row.
extension SQLiteMetadataStore {
    static let versionColumns = objectColumns + ", is_marker, seq"

    /// A row of `object_versions` (columns `versionColumns`).
    static func version(bucket: String, from row: Row) -> StoredVersion? {
        let isMarker: Bool = row[16]
        if isMarker {
            return .deleteMarker(DeleteMarker(key: row[0], versionId: row[15], lastModified: row[3]))
        }
        return object(bucket: bucket, from: row).map(StoredVersion.object)
    }

    /// Moves the current version into the history, keeping its blob references.
    static func demote(_ current: ObjectRecord, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO object_versions (bucket, key, version_id, seq, is_marker, size, etag, last_modified, content_type,
                content_md5, crc64, type, storage_class, acl, headers, user_meta, extents, symlink_target, tags)
            VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM object_versions WHERE bucket = ? AND key = ?), 0,
                ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                current.bucket, current.key, current.versionName, current.bucket, current.key, current.size,
                current.etag, current.lastModified, current.contentType, current.contentMD5,
                RecordCoding.encode(crc: current.crc64), current.type.rawValue, current.storageClass.rawValue,
                current.acl.rawValue, RecordCoding.encode(current.headers), RecordCoding.encode(current.userMetadata),
                RecordCoding.encode(current.extents), current.symlinkTarget, RecordCoding.encode(current.tags),
            ])
    }

    static func addMarker(_ marker: DeleteMarker, bucket: String, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO object_versions (bucket, key, version_id, seq, is_marker, last_modified)
            VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM object_versions WHERE bucket = ? AND key = ?), 1, ?)
            """).execute(arguments: [bucket, marker.key, marker.versionId, bucket, marker.key, marker.lastModified])
    }

    /// Removes a non-current version for good, releasing its blobs; answers what it was.
    @discardableResult
    static func dropVersion(bucket: String, key: String, versionId: String, in db: Database, now: Int64) throws
        -> StoredVersion?
    {
        let statement = try db.cachedStatement(
            sql: "SELECT \(versionColumns) FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [bucket, key, versionId]),
              let version = version(bucket: bucket, from: row)
        else { return nil }
        try db.execute(sql: "DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?",
                       arguments: [bucket, key, versionId])
        if case .object(let record) = version { try release(Set(record.extents.map(\.blob)), in: db, now: now) }
        return version
    }

    static func dropNullVersion(bucket: String, key: String, in db: Database, now: Int64) throws {
        try dropVersion(bucket: bucket, key: key, versionId: VersionID.null, in: db, now: now)
    }

    /// After the current version went: the newest remaining version becomes current, unless it is a delete marker.
    static func promoteNewest(bucket: String, key: String, in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "SELECT \(versionColumns) FROM object_versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1")
        guard let row = try Row.fetchOne(statement, arguments: [bucket, key]),
              case .object(let record)? = version(bucket: bucket, from: row)
        else { return }
        try db.execute(sql: "DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?",
                       arguments: [bucket, key, record.versionName])
        try db.cachedStatement(sql: """
            INSERT INTO objects (bucket, key, size, etag, last_modified, content_type, content_md5, crc64,
                type, storage_class, acl, headers, user_meta, extents, symlink_target, tags, version_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                bucket, key, record.size, record.etag, record.lastModified, record.contentType, record.contentMD5,
                RecordCoding.encode(crc: record.crc64), record.type.rawValue, record.storageClass.rawValue,
                record.acl.rawValue, RecordCoding.encode(record.headers), RecordCoding.encode(record.userMetadata),
                RecordCoding.encode(record.extents), record.symlinkTarget, RecordCoding.encode(record.tags),
                record.versionId,
            ])
    }

    /// A delete without a version id: unversioned, the object goes; versioned, it stays behind a new delete marker
    /// (the `null` one when suspended, which replaces an earlier `null` version).
    static func deleteCurrent(bucket: String, key: String, current: ObjectRecord?, state: BucketState, eventName: String,
                              in db: Database, now: Int64) throws -> KeyDeletion {
        guard let versioning = state.versioning else {
            guard let current else { return KeyDeletion(key: key, marker: nil) }
            try db.execute(sql: "DELETE FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, key])
            try release(Set(current.extents.map(\.blob)), in: db, now: now)
            try emit(PendingEvent.forDelete(current, name: eventName, configuration: state.notifications, now: now),
                     in: db, now: now)
            return KeyDeletion(key: key, marker: nil)
        }
        let marker = DeleteMarker(
            key: key, versionId: Optional(versioning).versionId(fresh: VersionID.generate(microseconds: microseconds()))!,
            lastModified: now)
        if versioning == .suspended { try dropNullVersion(bucket: bucket, key: key, in: db, now: now) }
        if let current {
            try db.execute(sql: "DELETE FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, key])
            if versioning == .suspended && current.versionName == VersionID.null {
                try release(Set(current.extents.map(\.blob)), in: db, now: now)
            } else {
                try demote(current, in: db)
            }
            try emit(PendingEvent.forDelete(current, name: ObjectEventName.deleteMarkerCreated,
                                            configuration: state.notifications, now: now), in: db, now: now)
        }
        try addMarker(marker, bucket: bucket, in: db)
        return KeyDeletion(key: key, marker: marker)
    }

    public func objectVersion(bucket: String, key: String, versionId: String) async throws -> StoredVersion? {
        try await pool.read { db in try Self.fetchVersion(db, bucket: bucket, key: key, versionId: versionId) }
    }

    static func fetchVersion(_ db: Database, bucket: String, key: String, versionId: String) throws -> StoredVersion? {
        if let current = try fetchObject(db, bucket: bucket, key: key), current.versionName == versionId {
            return .object(current)
        }
        let statement = try db.cachedStatement(
            sql: "SELECT \(versionColumns) FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?")
        return try Row.fetchOne(statement, arguments: [bucket, key, versionId]).flatMap { version(bucket: bucket, from: $0) }
    }

    public func latestDeleteMarker(bucket: String, key: String) async throws -> DeleteMarker? {
        try await pool.read { db in
            guard try Self.fetchObjectExists(db, bucket: bucket, key: key) == false else { return nil }
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.versionColumns) FROM object_versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1")
            guard let row = try Row.fetchOne(statement, arguments: [bucket, key]),
                  case .deleteMarker(let marker)? = Self.version(bucket: bucket, from: row)
            else { return nil }
            return marker
        }
    }

    static func fetchObjectExists(_ db: Database, bucket: String, key: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, key]) != nil
    }

    public func deleteVersions(bucket: String, _ targets: [(key: String, versionId: String)]) async throws
        -> [VersionDeletion]?
    {
        let now = clock()
        return try await pool.write { db -> [VersionDeletion]? in
            guard try SQLiteMetadataStore.bucketExists(bucket, in: db) else {
                return nil
            }
            let state = try Self.bucketState(bucket, in: db)
            var results: [VersionDeletion] = []
            for target in targets {
                var wasMarker = false
                if let current = try Self.fetchObject(db, bucket: bucket, key: target.key),
                   current.versionName == target.versionId
                {
                    try db.execute(sql: "DELETE FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, target.key])
                    try Self.release(Set(current.extents.map(\.blob)), in: db, now: now)
                    try Self.emit(PendingEvent.forDelete(current, configuration: state.notifications, now: now), in: db, now: now)
                    try Self.promoteNewest(bucket: bucket, key: target.key, in: db)
                } else if let removed = try Self.dropVersion(bucket: bucket, key: target.key, versionId: target.versionId,
                                                             in: db, now: now) {
                    if case .deleteMarker = removed { wasMarker = true }
                    if try !Self.fetchObjectExists(db, bucket: bucket, key: target.key) {
                        try Self.promoteNewest(bucket: bucket, key: target.key, in: db)
                    }
                }
                results.append(VersionDeletion(key: target.key, versionId: target.versionId, wasDeleteMarker: wasMarker))
            }
            return results
        }
    }

    public func updateAttributes(bucket: String, key: String, versionId: String?, expected: ObjectVersion,
                                 acl: ObjectACL, tags: ObjectTagSet, storageClass: StorageClass) async throws -> Bool {
        try await pool.write { db -> Bool in
            let current = try Self.fetchObject(db, bucket: bucket, key: key)
            if let current, versionId == nil || current.versionName == versionId {
                guard ObjectVersion(current) == expected else { return false }
                try db.execute(sql: "UPDATE objects SET acl = ?, tags = ?, storage_class = ? WHERE bucket = ? AND key = ?",
                               arguments: [acl.rawValue, RecordCoding.encode(tags), storageClass.rawValue, bucket, key])
                return true
            }
            guard let versionId, case .object(let record)? = try Self.fetchVersion(db, bucket: bucket, key: key, versionId: versionId),
                  ObjectVersion(record) == expected
            else { return false }
            try db.execute(
                sql: "UPDATE object_versions SET acl = ?, tags = ?, storage_class = ? WHERE bucket = ? AND key = ? AND version_id = ?",
                arguments: [acl.rawValue, RecordCoding.encode(tags), storageClass.rawValue, bucket, key, versionId])
            return true
        }
    }

    public func listVersions(_ query: VersionListQuery) async throws -> VersionListing {
        let pool = self.pool
        let bucket = query.bucket
        return try await VersionLister(
            query: query,
            keyVersions: { key in
                try await pool.read { db in
                    var versions: [StoredVersion] = []
                    if let current = try Self.fetchObject(db, bucket: bucket, key: key) { versions.append(.object(current)) }
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT \(Self.versionColumns) FROM object_versions WHERE bucket = ? AND key = ? ORDER BY seq DESC
                        """, arguments: [bucket, key])
                    versions += rows.compactMap { Self.version(bucket: bucket, from: $0) }
                    return versions
                }
            },
            versionsFrom: { from, inclusive, limit in
                try await pool.read { db in
                    let comparison = inclusive ? ">=" : ">"
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT \(Self.objectColumns), 0 AS is_marker, 9223372036854775807 AS seq FROM objects
                            WHERE bucket = ? AND key \(comparison) ? AND key >= ?
                        UNION ALL
                        SELECT \(Self.versionColumns) FROM object_versions
                            WHERE bucket = ? AND key \(comparison) ? AND key >= ?
                        ORDER BY 1, 18 DESC LIMIT ?
                        """, arguments: [bucket, from, query.prefix, bucket, from, query.prefix, limit])
                    return rows.compactMap { row in
                        Self.version(bucket: bucket, from: row).map { (key: row[0] as String, version: $0) }
                    }
                }
            }
        ).run()
    }
}
