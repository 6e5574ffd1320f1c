import Foundation
import GRDB
import NIOConcurrencyHelpers
import SiloCore
import SiloStorage

/// Metadata on SQLite through GRDB: WAL for concurrent readers, `synchronous=FULL` so a commit is on disk
/// before the request that caused it is acknowledged.
public final class SQLiteMetadataStore: ObjectStore, MultipartStore {
    let pool: DatabasePool
    /// The writer's `PRAGMA synchronous` level (2 is FULL: the WAL is synced at every commit).
    public func writerSynchronousLevel() async throws -> Int {
        try await pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
    /// Every request resolves its bucket; buckets change rarely, so they are served from memory.
    private let bucketCache = NIOLockedValueBox<[String: BucketRecord]?>(nil)
    let clock: @Sendable () -> Int64
    /// Object commits, grouped: concurrent PUTs share a transaction and its fsync.
    let commits: GroupCommitter
    /// Current objects' rows for reads, exact across commits (ObjectRowCache.swift).
    let rows = ObjectRowCache()

    public init(path: String, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.maximumReaderCount = 8
        pool = try DatabasePool(path: path, configuration: configuration)
        // On the writer, the one connection that commits, and after the pool is open: GRDB switches a pool to
        // WAL with `synchronous = NORMAL` once its connections are prepared, which would override a setting made
        // in `prepareDatabase` and leave commits unsynced (safe from a process crash, lost on power loss).
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        self.clock = clock
        commits = GroupCommitter(pool: pool)
        try Schema.migrator.migrate(pool)
        pool.add(transactionObserver: rows)
    }

    /// A consistent copy of the whole database at `path`, taken while it stays in use (SQLite's online backup).
    public func backup(to path: String) throws {
        let destination = try DatabaseQueue(path: path)
        try pool.backup(to: destination)
        try destination.close()
    }

    /// Every blob metadata names and whether anything still references it, as of now.
    public func blobReferences() async throws -> [(BlobID, referenced: Bool)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, refs FROM blobs").compactMap { row in
                BlobID(row[0] as String).map { ($0, (row[1] as Int64) > 0) }
            }
        }
    }

    // MARK: buckets

    private func allBuckets() throws -> [String: BucketRecord] {
        if let cached = bucketCache.withLockedValue({ $0 }) { return cached }
        let loaded = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, owner, created_at, acl, storage_class, cors, policy, tags, lifecycle, referer, notifications, versioning, encryption FROM buckets")
                .map(Self.bucket(from:))
        }
        let map = Dictionary(uniqueKeysWithValues: loaded.map { ($0.name, $0) })
        bucketCache.withLockedValue { $0 = map }
        return map
    }

    private func invalidateBuckets() {
        bucketCache.withLockedValue { $0 = nil }
    }

    static func bucket(from row: Row) -> BucketRecord {
        let corsText: String? = row[5]
        let cors = corsText.flatMap { try? XMLBody.decode(CORSConfiguration.self, from: Array($0.utf8), root: "CORSConfiguration") }
        return BucketRecord(
            name: row[0], owner: row[1], createdAt: row[2], acl: BucketACL(rawValue: row[3]) ?? .private,
            storageClass: StorageClass(rawValue: row[4]) ?? .standard, cors: cors, policy: row[6],
            tags: RecordCoding.decodeTagList(row[7]), lifecycle: RecordCoding.decodeLifecycle(row[8]),
            referer: RecordCoding.decodeReferer(row[9]), notifications: RecordCoding.decodeNotifications(row[10]),
            versioning: (row[11] as String?).flatMap(VersioningStatus.init(rawValue:)), encryption: row[12])
    }

    public func createBucket(_ bucket: BucketRecord) async throws -> (record: BucketRecord, created: Bool) {
        let result = try await pool.write { db -> (BucketRecord, Bool) in
            if let row = try Row.fetchOne(
                db, sql: "SELECT name, owner, created_at, acl, storage_class, cors, policy, tags, lifecycle, referer, notifications, versioning, encryption FROM buckets WHERE name = ?",
                arguments: [bucket.name])
            {
                return (Self.bucket(from: row), false)
            }
            try db.execute(
                sql: """
                    INSERT INTO buckets (name, owner, created_at, acl, storage_class, cors, policy, tags, lifecycle, referer,
                                         notifications, versioning, encryption)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [bucket.name, bucket.owner, bucket.createdAt, bucket.acl.rawValue, bucket.storageClass.rawValue,
                            bucket.cors?.xmlString(), bucket.policy, RecordCoding.encode(bucket.tags),
                            RecordCoding.encode(bucket.lifecycle), RecordCoding.encode(bucket.referer),
                            RecordCoding.encode(bucket.notifications), bucket.versioning?.rawValue,
                            bucket.encryption])
            return (bucket, true)
        }
        if result.1 { invalidateBuckets() }
        return result
    }

    public func bucket(_ name: String) async throws -> BucketRecord? {
        try allBuckets()[name]
    }

    public func listBuckets(prefix: String, after marker: String, limit: Int) async throws -> [BucketRecord] {
        try allBuckets().values
            .filter { $0.name.hasPrefix(prefix) && $0.name > marker }
            .sorted { $0.name < $1.name }
            .prefix(limit)
            .map { $0 }
    }

    public func updateBucket(_ name: String, _ update: BucketUpdate) async throws -> Bool {
        let changed = try await pool.write { db -> Bool in
            switch update {
            case .acl(let acl):
                try db.execute(sql: "UPDATE buckets SET acl = ? WHERE name = ?", arguments: [acl.rawValue, name])
            case .cors(let cors):
                try db.execute(sql: "UPDATE buckets SET cors = ? WHERE name = ?", arguments: [cors?.xmlString(), name])
            case .policy(let policy):
                try db.execute(sql: "UPDATE buckets SET policy = ? WHERE name = ?", arguments: [policy, name])
            case .tags(let tags):
                try db.execute(sql: "UPDATE buckets SET tags = ? WHERE name = ?", arguments: [RecordCoding.encode(tags), name])
            case .lifecycle(let lifecycle):
                try db.execute(sql: "UPDATE buckets SET lifecycle = ? WHERE name = ?",
                               arguments: [RecordCoding.encode(lifecycle), name])
            case .referer(let referer):
                try db.execute(sql: "UPDATE buckets SET referer = ? WHERE name = ?",
                               arguments: [RecordCoding.encode(referer), name])
            case .notifications(let notifications):
                try db.execute(sql: "UPDATE buckets SET notifications = ? WHERE name = ?",
                               arguments: [RecordCoding.encode(notifications), name])
            case .versioning(let status):
                try db.execute(sql: "UPDATE buckets SET versioning = ? WHERE name = ?", arguments: [status.rawValue, name])
            case .encryption(let algorithm):
                try db.execute(sql: "UPDATE buckets SET encryption = ? WHERE name = ?", arguments: [algorithm, name])
            }
            return db.changesCount > 0
        }
        invalidateBuckets()
        return changed
    }

    public func deleteBucket(_ name: String) async throws -> BucketDeletion {
        let outcome = try await pool.write { db -> BucketDeletion in
            guard try SQLiteMetadataStore.bucketExists(name, in: db) else {
                return .notFound
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", arguments: [name]) != nil
                || Bool.fetchOne(db, sql: "SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1", arguments: [name]) != nil
                || Bool.fetchOne(db, sql: "SELECT 1 FROM object_versions WHERE bucket = ? LIMIT 1", arguments: [name]) != nil
            {
                return .notEmpty
            }
            try db.execute(sql: "DELETE FROM buckets WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM image_styles WHERE bucket = ?", arguments: [name])
            return .deleted
        }
        if outcome == .deleted { invalidateBuckets() }
        return outcome
    }

    public func statistics(bucket: String) async throws -> BucketStatistics {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT storage_class, count(*), coalesce(sum(size), 0), coalesce(max(last_modified), 0) FROM objects WHERE bucket = ? GROUP BY storage_class",
                arguments: [bucket])
            var stats = BucketStatistics(objectCount: 0, totalSize: 0, lastModified: 0, byStorageClass: [:])
            for row in rows {
                let count: Int64 = row[1]
                let size: Int64 = row[2]
                let modified: Int64 = row[3]
                stats.objectCount += count
                stats.totalSize += size
                stats.lastModified = max(stats.lastModified, modified)
                if let storageClass = StorageClass(rawValue: row[0]) {
                    stats.byStorageClass[storageClass] = (count, size)
                }
            }
            return stats
        }
    }

    // MARK: objects

    static let objectColumns =
        "key, size, etag, last_modified, content_type, content_md5, crc64, type, storage_class, acl, headers, user_meta, extents, symlink_target, tags, version_id"

    static func object(bucket: String, from row: Row) -> ObjectRecord? {
        guard let extents = RecordCoding.decodeExtents(row[12]) else { return nil }
        return ObjectRecord(
            bucket: bucket, key: row[0], size: row[1], etag: row[2], lastModified: row[3], contentType: row[4],
            contentMD5: row[5], crc64: RecordCoding.decode(crc: row[6]), type: ObjectType(rawValue: row[7]) ?? .normal,
            storageClass: StorageClass(rawValue: row[8]) ?? .standard, acl: ObjectACL(rawValue: row[9]) ?? .default,
            headers: RecordCoding.decodeHeaders(row[10]), userMetadata: RecordCoding.decodeMetadata(row[11]),
            extents: extents, symlinkTarget: row[13], tags: RecordCoding.decodeTags(row[14]), versionId: row[15])
    }

    static func fetchObject(_ db: Database, bucket: String, key: String) throws -> ObjectRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(objectColumns) FROM objects WHERE bucket = ? AND key = ?")
        guard let row = try Row.fetchOne(statement, arguments: [bucket, key]) else { return nil }
        return object(bucket: bucket, from: row)
    }

    public func object(bucket: String, key: String) async throws -> ObjectRecord? {
        let ticket: UInt64?
        switch rows.lookup(bucket: bucket, key: key) {
        case .hit(let record): return record
        case .miss(let readTicket): ticket = readTicket
        }
        // A point read from the page cache costs microseconds, less than the two thread hops of an async read,
        // and one SELECT needs no surrounding transaction.
        let record = try readInline { db in try Self.fetchObject(db, bucket: bucket, key: key) }
        if let record, let ticket { rows.store(record, ticket: ticket) }
        return record
    }

    /// GRDB's synchronous read, which runs on the calling thread; from async code the async overload would win.
    private func readInline<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead(body)
    }

    public func commitObject(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition) async throws
        -> CommitOutcome
    {
        let now = clock()
        do {
            return try await commit(record, newBlobs: newBlobs, condition: condition, now: now)
        } catch Rollback.sourceReleased {
            return .sourceReleased
        }
    }

    private func commit(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition, now: Int64,
                        journal: [JournaledBlob] = []) async throws -> CommitOutcome
    {
        try await commits.write { db -> CommitOutcome in
            guard try SQLiteMetadataStore.bucketExists(record.bucket, in: db)
            else { return .noSuchBucket }
            let current = try Self.fetchObject(db, bucket: record.bucket, key: record.key)
            switch condition {
            case .none: break
            case .mustNotExist:
                if current != nil { return .conditionFailed(current: current) }
            case .currentVersion(let expected):
                if current.map(ObjectVersion.init) != expected { return .conditionFailed(current: current) }
            }
            let versionId = try Self.replaceObject(record, current: current, newBlobs: newBlobs, in: db, now: now)
            for entry in journal {
                try db.cachedStatement(sql: "INSERT INTO blob_journal (id, bytes) VALUES (?, ?)")
                    .execute(arguments: [entry.blob.raw, Data(entry.bytes)])
            }
            return .committed(versionId: versionId)
        }
    }

    enum Rollback: Error { case sourceReleased }

    /// Writes `record` over `current` as the bucket's versioning state (read here, in the transaction) says:
    /// unversioned, the old version is replaced and the blobs only it named are released; enabled, it becomes
    /// non-current and keeps its blobs; suspended, the new version is the `null` one, replacing any earlier `null`
    /// version. Answers the id the new version got.
    @discardableResult
    static func replaceObject(_ record: ObjectRecord, current: ObjectRecord?, newBlobs: Set<BlobID>, in db: Database,
                              now: Int64) throws -> String? {
        let state = try bucketState(record.bucket, in: db)
        var record = record
        record.versionId = state.versioning.versionId(fresh: VersionID.generate(microseconds: microseconds()))
        let new = Set(record.extents.map(\.blob))
        var replaced = current
        if state.versioning != nil {
            if record.versionId == VersionID.null { try dropNullVersion(bucket: record.bucket, key: record.key, in: db, now: now) }
            if let current, state.versioning == .enabled || current.versionName != VersionID.null {
                try demote(current, in: db)
                replaced = nil
            }
        }
        let old = Set(replaced?.extents.map(\.blob) ?? [])
        try retain(new.subtracting(old), newBlobs: newBlobs, in: db)
        try release(old.subtracting(new), in: db, now: now)
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO objects (bucket, key, size, etag, last_modified, content_type, content_md5, crc64,
                type, storage_class, acl, headers, user_meta, extents, symlink_target, tags, version_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                record.bucket, record.key, record.size, record.etag, record.lastModified, record.contentType,
                record.contentMD5, RecordCoding.encode(crc: record.crc64), record.type.rawValue,
                record.storageClass.rawValue, record.acl.rawValue, RecordCoding.encode(record.headers),
                RecordCoding.encode(record.userMetadata), RecordCoding.encode(record.extents), record.symlinkTarget,
                RecordCoding.encode(record.tags), record.versionId,
            ])
        try emit(PendingEvent.forCommit(record, replacing: current, configuration: state.notifications, now: now),
                 in: db, now: now)
        return record.versionId
    }

    /// Whether the bucket exists. Every write asks, so through the connection's statement cache: a statement
    /// prepared anew for each write cost its commit more than running it (GRDB's authorizer walks it in Swift).
    static func bucketExists(_ name: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM buckets WHERE name = ?"), arguments: [name]) != nil
    }

    /// What a write needs to know about its bucket, read inside the writing transaction so a change and its
    /// events commit together and follow the versioning state the change was made under.
    struct BucketState {
        var notifications: NotificationConfiguration?
        var versioning: VersioningStatus?
    }

    static func bucketState(_ bucket: String, in db: Database) throws -> BucketState {
        let statement = try db.cachedStatement(sql: "SELECT notifications, versioning, encryption FROM buckets WHERE name = ?")
        guard let row = try Row.fetchOne(statement, arguments: [bucket]) else { return BucketState() }
        return BucketState(notifications: RecordCoding.decodeNotifications(row[0]),
                           versioning: (row[1] as String?).flatMap(VersioningStatus.init(rawValue:)))
    }

    static func emit(_ events: [PendingEvent], in db: Database, now: Int64) throws {
        for event in events {
            try db.cachedStatement(sql: """
                INSERT INTO events (bucket, key, rule_id, endpoint, name, etag, size, time, state, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
                """).execute(arguments: [event.bucket, event.key, event.ruleId, event.endpoint, event.name, event.etag,
                                         event.size, event.time, now])
        }
    }

    /// One more reference to each blob. A blob just written is registered; any other must still be live, or the
    /// transaction rolls back (`sourceReleased`).
    static func retain(_ blobs: Set<BlobID>, newBlobs: Set<BlobID>, in db: Database) throws {
        for blob in blobs {
            if newBlobs.contains(blob) {
                try db.cachedStatement(sql: "INSERT INTO blobs (id, refs) VALUES (?, 1)").execute(arguments: [blob.raw])
            } else {
                try db.cachedStatement(sql: "UPDATE blobs SET refs = refs + 1 WHERE id = ? AND refs > 0")
                    .execute(arguments: [blob.raw])
                if db.changesCount == 0 { throw Rollback.sourceReleased }
            }
        }
    }

    /// One reference fewer; at zero the blob is released to the collector.
    static func release(_ blobs: Set<BlobID>, in db: Database, now: Int64) throws {
        for blob in blobs {
            try db.cachedStatement(
                sql: "UPDATE blobs SET refs = refs - 1, released_at = CASE WHEN refs = 1 THEN ? ELSE released_at END WHERE id = ?")
                .execute(arguments: [now, blob.raw])
        }
    }

    public func deleteObjects(bucket: String, keys: [String]) async throws -> [KeyDeletion]? {
        let now = clock()
        return try await pool.write { db -> [KeyDeletion]? in
            guard try SQLiteMetadataStore.bucketExists(bucket, in: db) else {
                return nil
            }
            let state = try Self.bucketState(bucket, in: db)
            return try keys.map { key in
                let current = try Self.fetchObject(db, bucket: bucket, key: key)
                return try Self.deleteCurrent(bucket: bucket, key: key, current: current, state: state,
                                              eventName: ObjectEventName.delete, in: db, now: now)
            }
        }
    }

    public func deleteObject(bucket: String, key: String, ifVersion version: ObjectVersion) async throws -> Bool {
        let now = clock()
        return try await pool.write { db -> Bool in
            guard let current = try Self.fetchObject(db, bucket: bucket, key: key), ObjectVersion(current) == version else {
                return false
            }
            _ = try Self.deleteCurrent(bucket: bucket, key: key, current: current, state: try Self.bucketState(bucket, in: db),
                                       eventName: ObjectEventName.expired, in: db, now: now)
            return true
        }
    }

    public func listObjects(_ query: ListQuery) async throws -> ObjectListing {
        try await pool.read { db in try ObjectLister(db: db, query: query).run() }
    }

    static func microseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000)) }

    // MARK: blob lifecycle

    public func isReferenced(_ blob: BlobID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM blobs WHERE id = ? AND refs > 0", arguments: [blob.raw]) != nil
        }
    }

    public func releasedBlobs(releasedBefore cutoff: Int64, limit: Int) async throws -> [BlobID] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM blobs WHERE refs = 0 AND released_at <= ? ORDER BY released_at LIMIT ?",
                arguments: [cutoff, limit]
            ).compactMap(BlobID.init)
        }
    }

    public func claimReleasedBlobs(releasedBefore cutoff: Int64, lease: Int64, limit: Int) async throws -> [BlobID] {
        let now = clock()
        return try await pool.write { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM blobs WHERE refs = 0 AND released_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY released_at, id LIMIT ?
                """, arguments: [cutoff, now, limit])
            for id in ids {
                try db.execute(sql: "UPDATE blobs SET claimed_until = ? WHERE id = ?", arguments: [now + lease, id])
            }
            return ids.compactMap(BlobID.init).sorted()
        }
    }

    public func forgetReleased(_ blobs: [BlobID]) async throws {
        try await pool.write { db in
            for blob in blobs {
                try db.execute(sql: "DELETE FROM blobs WHERE id = ? AND refs = 0", arguments: [blob.raw])
            }
        }
    }

    public func knownBlobs() async throws -> Set<BlobID> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM blobs").compactMap(BlobID.init)) }
    }
}

extension SQLiteMetadataStore: BlobJournalStore {
    public var blobJournal: (any BlobJournalStore)? { self }

    public func commitObject(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition,
                             journal: [JournaledBlob]) async throws -> CommitOutcome {
        do {
            return try await commit(record, newBlobs: newBlobs, condition: condition, now: clock(), journal: journal)
        } catch Rollback.sourceReleased {
            return .sourceReleased
        }
    }

    public func journaledBlobs(limit: Int) async throws -> [JournaledBlob] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, bytes FROM blob_journal ORDER BY rowid LIMIT ?", arguments: [limit])
                .compactMap { row in
                    guard let blob = BlobID(row["id"] as String) else { return nil }
                    let bytes: Data = row["bytes"]
                    return JournaledBlob(blob: blob, bytes: [UInt8](bytes))
                }
        }
    }

    public func journaledBlobIDs(limit: Int) async throws -> [BlobID] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM blob_journal ORDER BY rowid LIMIT ?", arguments: [limit])
                .compactMap(BlobID.init)
        }
    }

    public func forgetJournaled(_ blobs: [BlobID]) async throws {
        guard !blobs.isEmpty else { return }
        let ids = blobs.map(\.raw)
        try await commits.write { db in
            let forget = try db.cachedStatement(sql: "DELETE FROM blob_journal WHERE id = ?")
            for id in ids { try forget.execute(arguments: [id]) }
        }
    }
}

