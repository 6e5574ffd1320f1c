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
        migrator.registerMigration("v2-iam") { db in
            try db.execute(sql: """
                CREATE TABLE iam_users (
                    name TEXT PRIMARY KEY NOT NULL,
                    id TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE iam_access_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_name TEXT NOT NULL REFERENCES iam_users(name) ON DELETE CASCADE,
                    sealed_secret BLOB NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE iam_roles (
                    name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
                    id TEXT NOT NULL UNIQUE,
                    trust_policy TEXT NOT NULL,
                    max_session_duration INTEGER NOT NULL,
                    description TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE iam_policies (
                    name TEXT PRIMARY KEY NOT NULL,
                    document TEXT NOT NULL,
                    description TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                -- holder_kind is 'user' or 'role'.
                CREATE TABLE iam_attachments (
                    holder_kind TEXT NOT NULL,
                    holder_name TEXT NOT NULL,
                    policy_name TEXT NOT NULL REFERENCES iam_policies(name),
                    PRIMARY KEY (holder_kind, holder_name, policy_name)
                ) WITHOUT ROWID;
                CREATE TABLE sts_token_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    sealed_key BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-multipart") { db in
            try db.execute(sql: """
                -- Upload ids start with the initiation time in hex, so (key, upload_id) is initiation order.
                CREATE TABLE uploads (
                    upload_id TEXT PRIMARY KEY NOT NULL,
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    initiated INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    storage_class TEXT NOT NULL,
                    acl TEXT NOT NULL,
                    headers TEXT,
                    user_meta TEXT,
                    forbid_overwrite INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX uploads_by_key ON uploads(bucket, key, upload_id);
                CREATE INDEX uploads_by_age ON uploads(initiated);
                CREATE TABLE parts (
                    upload_id TEXT NOT NULL,
                    part_number INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    crc64 INTEGER NOT NULL,
                    last_modified INTEGER NOT NULL,
                    extents TEXT NOT NULL,
                    PRIMARY KEY (upload_id, part_number)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-image-styles") { db in
            try db.execute(sql: """
                CREATE TABLE image_styles (
                    bucket TEXT NOT NULL,
                    name TEXT NOT NULL,
                    content TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    modified_at INTEGER NOT NULL,
                    PRIMARY KEY (bucket, name)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5-collector-claims") { db in
            try db.execute(sql: """
                -- A collector claims what it is about to free until claimed_until, so that two never do the same work.
                ALTER TABLE blobs ADD COLUMN claimed_until INTEGER;
                ALTER TABLE uploads ADD COLUMN claimed_until INTEGER;
                """)
        }
        migrator.registerMigration("v6-generations") { db in
            try db.execute(sql: """
                -- Bumped by every write of a topic, so processes sharing the database notice and reload.
                CREATE TABLE generations (topic TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO generations (topic, value) VALUES ('iam', 0);
                """)
        }
        migrator.registerMigration("v7-object-tags") { db in
            try db.execute(sql: """
                -- Tags belong to the object's current version: a write replaces them with its own, like metadata.
                ALTER TABLE objects ADD COLUMN tags TEXT;
                ALTER TABLE uploads ADD COLUMN tags TEXT;
                """)
        }
        migrator.registerMigration("v8-bucket-tags") { db in
            try db.execute(sql: "ALTER TABLE buckets ADD COLUMN tags TEXT")
        }
        migrator.registerMigration("v9-bucket-lifecycle") { db in
            try db.execute(sql: "ALTER TABLE buckets ADD COLUMN lifecycle TEXT")
        }
        migrator.registerMigration("v10-bucket-referer") { db in
            try db.execute(sql: "ALTER TABLE buckets ADD COLUMN referer TEXT")
        }
        migrator.registerMigration("v11-event-outbox") { db in
            try db.execute(sql: """
                ALTER TABLE buckets ADD COLUMN notifications TEXT;
                -- The outbox: each event is written in the transaction of the change it announces. seq is commit
                -- order; a pending event waits for the earlier pending ones of its key and rule.
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    rule_id TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    name TEXT NOT NULL,
                    etag TEXT,
                    size INTEGER,
                    time INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    claimed_until INTEGER,
                    last_error TEXT
                );
                CREATE INDEX events_due ON events(next_attempt_at) WHERE state = 'pending';
                CREATE INDEX events_by_key ON events(bucket, key, rule_id, seq) WHERE state = 'pending';
                CREATE INDEX events_by_state ON events(state, seq);
                """)
        }
        migrator.registerMigration("v12-versioning") { db in
            try db.execute(sql: """
                ALTER TABLE buckets ADD COLUMN versioning TEXT;
                -- The current version's id: NULL in a bucket that never had versioning.
                ALTER TABLE objects ADD COLUMN version_id TEXT;
                -- Non-current versions and delete markers (is_marker, with only key, version and time). seq orders a
                -- key's rows; each one keeps the blob references it had as the current version.
                CREATE TABLE object_versions (
                    bucket TEXT NOT NULL,
                    key TEXT NOT NULL,
                    version_id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    is_marker INTEGER NOT NULL,
                    size INTEGER,
                    etag TEXT,
                    last_modified INTEGER NOT NULL,
                    content_type TEXT,
                    content_md5 TEXT,
                    crc64 INTEGER,
                    type TEXT,
                    storage_class TEXT,
                    acl TEXT,
                    headers TEXT,
                    user_meta TEXT,
                    extents TEXT,
                    symlink_target TEXT,
                    tags TEXT,
                    PRIMARY KEY (bucket, key, version_id)
                ) WITHOUT ROWID;
                CREATE INDEX object_versions_by_age ON object_versions(bucket, key, seq);
                """)
        }
        migrator.registerMigration("v13-bucket-encryption") { db in
            try db.execute(sql: "ALTER TABLE buckets ADD COLUMN encryption TEXT")
        }
        migrator.registerMigration("v14-media-jobs") { db in
            try db.execute(sql: """
                -- Asynchronous media jobs: the whole job as JSON, and the columns claims search by.
                CREATE TABLE media_jobs (
                    id TEXT PRIMARY KEY,
                    bucket TEXT NOT NULL,
                    state TEXT NOT NULL,
                    not_before INTEGER NOT NULL,
                    lease_until INTEGER,
                    notify_due INTEGER,
                    created_at INTEGER NOT NULL,
                    document TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX media_jobs_due ON media_jobs(state, not_before, created_at);
                CREATE INDEX media_jobs_lapsed ON media_jobs(state, lease_until);
                CREATE INDEX media_jobs_notify ON media_jobs(notify_due) WHERE notify_due IS NOT NULL;
                CREATE INDEX media_jobs_by_bucket ON media_jobs(bucket, created_at);
                """)
        }
        migrator.registerMigration("v15-blob-journal") { db in
            try db.execute(sql: """
                -- Small blobs whose files are not yet synced: committed with the object that names them, forgotten
                -- once a checkpoint has synced the files, replayed after a crash (BlobJournalCheckpointer).
                CREATE TABLE blob_journal (
                    id TEXT PRIMARY KEY,
                    bytes BLOB NOT NULL
                );
                """)
        }
        return migrator
    }
}
