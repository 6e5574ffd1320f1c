import GRDB

/// Versioned schema migrations; each runs once, in order.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-buckets-objects-blobs") { db in
            try db.execute(sql: """
                CREATE TABLE buckets (
                    name TEXT PRIMARY KEY NOT NULL,
                    owner TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    acl TEXT NOT NULL,
                    storage_class TEXT NOT NULL,
                    cors TEXT,
                    policy TEXT
                ) WITHOUT ROWID;

                CREATE TABLE objects (
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    last_modified INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    content_md5 TEXT,
                    crc64 INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    storage_class TEXT NOT NULL,
                    acl TEXT NOT NULL,
                    headers TEXT,
                    user_meta TEXT,
                    extents TEXT NOT NULL,
                    symlink_target TEXT,
                    PRIMARY KEY (bucket, key)
                ) WITHOUT ROWID;

                -- One reference per object (or part) that names the blob; at zero the blob is released and
                -- the collector deletes its file after a grace period.
                CREATE TABLE blobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    refs INTEGER NOT NULL,
                    released_at INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX blobs_released ON blobs(released_at) WHERE refs = 0;
                """)
        }
        return migrator
    }
}
