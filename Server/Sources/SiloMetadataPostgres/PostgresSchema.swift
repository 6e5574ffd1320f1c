/// The schema, as numbered migrations applied in order at start.
///
/// Several gateways may start at once: each migration runs in a transaction that first inserts its number into
/// `silo_migrations`, so the second gateway waits on that row's unique key, fails once the first commits, and
/// then finds the migration applied. Only plain SQL that Postgres-wire distributed engines also speak is used:
/// `text COLLATE "C"` keys (byte order, which is OSS listing order), partial indexes, `ON CONFLICT`,
/// `FOR UPDATE`/`FOR SHARE`/`SKIP LOCKED`, recursive CTEs with LATERAL, foreign keys (a row naming a bucket
/// holds a key-share lock on it while its transaction runs, so a bucket delete waits for writers into it). No triggers, no stored procedures, no advisory locks.
///
enum PostgresSchema {
    struct Migration {
        let version: Int64
        let name: String
        let statements: [String]
    }

    static let bootstrap = """
        CREATE TABLE IF NOT EXISTS silo_migrations (
            version bigint PRIMARY KEY,
            name text NOT NULL,
            applied_at bigint NOT NULL
        )
        """

    static let migrations: [Migration] = [
        Migration(version: 1, name: "buckets-objects-blobs", statements: [
            """
            CREATE TABLE buckets (
                name text COLLATE "C" PRIMARY KEY,
                owner text NOT NULL,
                created_at bigint NOT NULL,
                acl text NOT NULL,
                storage_class text NOT NULL,
                cors text,
                policy text
            )
            """,
            """
            CREATE TABLE objects (
                bucket text COLLATE "C" NOT NULL REFERENCES buckets (name),
                key text COLLATE "C" NOT NULL,
                size bigint NOT NULL,
                etag text NOT NULL,
                last_modified bigint NOT NULL,
                content_type text NOT NULL,
                content_md5 text,
                crc64 bigint NOT NULL,
                type text NOT NULL,
                storage_class text NOT NULL,
                acl text NOT NULL,
                headers text,
                user_meta text,
                extents text NOT NULL,
                symlink_target text,
                PRIMARY KEY (bucket, key)
            )
            """,
            // One reference per object (or part) naming the blob; at zero the blob is released, and a collector
            // on any gateway claims it (claimed_until) before deleting its bytes.
            """
            CREATE TABLE blobs (
                id text PRIMARY KEY,
                refs bigint NOT NULL,
                released_at bigint,
                claimed_until bigint
            )
            """,
            "CREATE INDEX blobs_released ON blobs (released_at) WHERE refs = 0",
        ]),
        Migration(version: 2, name: "multipart", statements: [
            // Upload ids start with the initiation time in hex, so (key, upload_id) is initiation order.
            """
            CREATE TABLE uploads (
                upload_id text COLLATE "C" PRIMARY KEY,
                bucket text COLLATE "C" NOT NULL REFERENCES buckets (name),
                key text COLLATE "C" NOT NULL,
                initiated bigint NOT NULL,
                content_type text NOT NULL,
                storage_class text NOT NULL,
                acl text NOT NULL,
                headers text,
                user_meta text,
                forbid_overwrite boolean NOT NULL,
                claimed_until bigint
            )
            """,
            "CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id)",
            "CREATE INDEX uploads_by_age ON uploads (initiated)",
            """
            CREATE TABLE parts (
                upload_id text COLLATE "C" NOT NULL REFERENCES uploads (upload_id),
                part_number bigint NOT NULL,
                size bigint NOT NULL,
                etag text NOT NULL,
                crc64 bigint NOT NULL,
                last_modified bigint NOT NULL,
                extents text NOT NULL,
                PRIMARY KEY (upload_id, part_number)
            )
            """,
        ]),
        Migration(version: 3, name: "iam", statements: [
            """
            CREATE TABLE iam_users (
                name text PRIMARY KEY,
                id text NOT NULL UNIQUE,
                display_name text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE iam_access_keys (
                id text PRIMARY KEY,
                user_name text NOT NULL REFERENCES iam_users (name) ON DELETE CASCADE,
                sealed_secret bytea NOT NULL,
                status text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            // Role names are case-insensitive: `name_key` is the lower-cased name, `name` as created.
            """
            CREATE TABLE iam_roles (
                name_key text PRIMARY KEY,
                name text NOT NULL,
                id text NOT NULL UNIQUE,
                trust_policy text NOT NULL,
                max_session_duration bigint NOT NULL,
                description text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE iam_policies (
                name text PRIMARY KEY,
                document text NOT NULL,
                description text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            // holder_kind is 'user' or 'role' (a role's lower-cased name).
            """
            CREATE TABLE iam_attachments (
                holder_kind text NOT NULL,
                holder_name text NOT NULL,
                policy_name text NOT NULL REFERENCES iam_policies (name),
                PRIMARY KEY (holder_kind, holder_name, policy_name)
            )
            """,
            """
            CREATE TABLE sts_token_keys (
                id text PRIMARY KEY,
                sealed_key bytea NOT NULL,
                created_at bigint NOT NULL
            )
            """,
        ]),
        Migration(version: 4, name: "image-styles", statements: [
            """
            CREATE TABLE image_styles (
                bucket text COLLATE "C" NOT NULL REFERENCES buckets (name),
                name text COLLATE "C" NOT NULL,
                content text NOT NULL,
                created_at bigint NOT NULL,
                modified_at bigint NOT NULL,
                PRIMARY KEY (bucket, name)
            )
            """,
        ]),
        Migration(version: 5, name: "generations-nonces-intents", statements: [
            // Bumped in every transaction that writes a topic; gateways poll it and reload their in-memory copy.
            "CREATE TABLE generations (topic text PRIMARY KEY, value bigint NOT NULL)",
            "INSERT INTO generations (topic, value) VALUES ('iam', 0)",
            // STS signature nonces seen within the timestamp window, shared so that a signed request replayed to
            // another gateway is refused too.
            "CREATE TABLE sts_nonces (nonce text PRIMARY KEY, seen_at bigint NOT NULL)",
            "CREATE INDEX sts_nonces_by_age ON sts_nonces (seen_at)",
            // Blobs being written to a remote blob store, recorded before the first byte: the writer touches its
            // row while it writes, so a row left untouched is a dead writer's and its chunks can be found.
            """
            CREATE TABLE blob_intents (
                id text PRIMARY KEY,
                touched_at bigint NOT NULL,
                claimed_until bigint
            )
            """,
            "CREATE INDEX blob_intents_by_age ON blob_intents (touched_at)",
        ]),
        // Tags belong to the object's current version: a write replaces them with its own, like metadata.
        Migration(version: 6, name: "object-tags", statements: [
            "ALTER TABLE objects ADD COLUMN tags text",
            "ALTER TABLE uploads ADD COLUMN tags text",
        ]),
        Migration(version: 7, name: "bucket-tags", statements: ["ALTER TABLE buckets ADD COLUMN tags text"]),
        Migration(version: 8, name: "bucket-lifecycle", statements: ["ALTER TABLE buckets ADD COLUMN lifecycle text"]),
        Migration(version: 9, name: "bucket-referer", statements: ["ALTER TABLE buckets ADD COLUMN referer text"]),
        // The outbox: each event is written in the transaction of the change it announces. seq is commit order
        // per key (the object row's lock orders a key's writers); a pending event waits for the earlier pending
        // ones of its key and rule.
        Migration(version: 10, name: "event-outbox", statements: [
            "ALTER TABLE buckets ADD COLUMN notifications text",
            """
            CREATE TABLE events (
                seq bigserial PRIMARY KEY,
                bucket text COLLATE "C" NOT NULL,
                key text COLLATE "C" NOT NULL,
                rule_id text NOT NULL,
                endpoint text NOT NULL,
                name text NOT NULL,
                etag text,
                size bigint,
                time bigint NOT NULL,
                state text NOT NULL,
                attempts bigint NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL,
                claimed_until bigint,
                last_error text
            )
            """,
            "CREATE INDEX events_due ON events (next_attempt_at) WHERE state = 'pending'",
            "CREATE INDEX events_by_key ON events (bucket, key, rule_id, seq) WHERE state = 'pending'",
            "CREATE INDEX events_by_state ON events (state, seq)",
        ]),
        // Versions: `objects` keeps each key's current version, `object_versions` the non-current ones and delete
        // markers, ordered per key by seq (unique, so two writers racing on a key without a current row conflict
        // and one retries).
        Migration(version: 11, name: "versioning", statements: [
            "ALTER TABLE buckets ADD COLUMN versioning text",
            "ALTER TABLE objects ADD COLUMN version_id text",
            """
            CREATE TABLE object_versions (
                bucket text COLLATE "C" NOT NULL REFERENCES buckets(name),
                key text COLLATE "C" NOT NULL,
                version_id text NOT NULL,
                seq bigint NOT NULL,
                is_marker boolean NOT NULL,
                size bigint,
                etag text,
                last_modified bigint NOT NULL,
                content_type text,
                content_md5 text,
                crc64 bigint,
                type text,
                storage_class text,
                acl text,
                headers text,
                user_meta text,
                extents text,
                symlink_target text,
                tags text,
                PRIMARY KEY (bucket, key, version_id),
                UNIQUE (bucket, key, seq)
            )
            """,
        ]),
        Migration(version: 12, name: "bucket-encryption", statements: ["ALTER TABLE buckets ADD COLUMN encryption text"]),
        // Asynchronous media jobs: the whole job as JSON, and the columns claims search by.
        Migration(version: 13, name: "media-jobs", statements: [
            """
            CREATE TABLE media_jobs (
                id text PRIMARY KEY,
                bucket text COLLATE "C" NOT NULL,
                state text NOT NULL,
                not_before bigint NOT NULL,
                lease_until bigint,
                notify_due bigint,
                created_at bigint NOT NULL,
                document text NOT NULL
            )
            """,
            "CREATE INDEX media_jobs_due ON media_jobs (state, not_before, created_at)",
            "CREATE INDEX media_jobs_lapsed ON media_jobs (state, lease_until)",
            "CREATE INDEX media_jobs_notify ON media_jobs (notify_due) WHERE notify_due IS NOT NULL",
            "CREATE INDEX media_jobs_by_bucket ON media_jobs (bucket, created_at)",
        ]),
    ]
}
