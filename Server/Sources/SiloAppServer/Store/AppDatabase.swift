import Foundation
import GRDB

/// The app server's SQLite file: accounts, sessions and the upload catalog. WAL and `synchronous=FULL`, so an
/// upload acknowledged to the storage service is on disk.
public final class AppDatabase: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        pool = try DatabasePool(path: path, configuration: configuration)
        // On the writer and after the pool is open: GRDB puts a pool in WAL with `synchronous = NORMAL` after
        // `prepareDatabase` runs, which would leave commits unsynced until a checkpoint.
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Self.migrator.migrate(pool)
    }

    /// The app server's file opened read-only by another process (the console reading the upload catalog): no
    /// migration, no write; it fails when the app server has not created the file yet.
    public init(readOnlyPath path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    /// For `/readyz`: the database answers a write transaction (a full disk or a lost file fails it).
    public func checkWritable() async throws {
        try await pool.write { db in try db.execute(sql: "SELECT 1") }
    }

    /// The writer's `PRAGMA synchronous` level (2 is FULL: the WAL is synced at every commit).
    public func writerSynchronousLevel() async throws -> Int {
        try await pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts-sessions-uploads") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    uid TEXT PRIMARY KEY NOT NULL,
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                -- Only a hash of each session token is kept: a copied database grants no sessions.
                CREATE TABLE sessions (
                    token_hash BLOB PRIMARY KEY NOT NULL,
                    uid TEXT NOT NULL REFERENCES accounts(uid) ON DELETE CASCADE,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX sessions_expiry ON sessions(expires_at);
                CREATE TABLE uploads (
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    uid TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    mime_type TEXT NOT NULL,
                    width INTEGER,
                    height INTEGER,
                    uploaded_at INTEGER NOT NULL,
                    PRIMARY KEY (bucket, key)
                ) WITHOUT ROWID;
                CREATE INDEX uploads_by_user ON uploads(uid, uploaded_at);
                """)
        }
        // Renditions a media job made of an upload (a transcode, a series of frames), recorded from its webhook.
        migrator.registerMigration("v2-renditions") { db in
            try db.execute(sql: """
                CREATE TABLE renditions (
                    source_bucket TEXT NOT NULL,
                    source_key TEXT NOT NULL,
                    task_id TEXT NOT NULL,
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    process TEXT NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (source_bucket, source_key, bucket, key)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
