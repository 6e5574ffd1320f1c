import GRDB
import SiloDomain
import SiloStorage

/// The image styles of SiloDomain, in a table beside the buckets.
extension SQLiteMetadataStore: ImageStyleStore {
    public func putStyle(_ style: ImageStyleRecord, maxPerBucket: Int) async throws -> StylePutOutcome {
        try await pool.write { db -> StylePutOutcome in
            guard try SQLiteMetadataStore.bucketExists(style.bucket, in: db) else {
                return .noSuchBucket
            }
            let others = try Int.fetchOne(db, sql: "SELECT count(*) FROM image_styles WHERE bucket = ? AND name != ?",
                                          arguments: [style.bucket, style.name]) ?? 0
            guard others < maxPerBucket else { return .tooMany }
            try db.execute(
                sql: """
                    INSERT INTO image_styles (bucket, name, content, created_at, modified_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (bucket, name) DO UPDATE SET content = excluded.content, modified_at = excluded.modified_at
                    """,
                arguments: [style.bucket, style.name, style.content, style.createdAt, style.modifiedAt])
            return .saved
        }
    }

    public func style(bucket: String, name: String) async throws -> ImageStyleRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT bucket, name, content, created_at, modified_at FROM image_styles WHERE bucket = ? AND name = ?",
                             arguments: [bucket, name]).map(Self.style(from:))
        }
    }

    public func styles(bucket: String) async throws -> [ImageStyleRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT bucket, name, content, created_at, modified_at FROM image_styles WHERE bucket = ? ORDER BY name",
                             arguments: [bucket]).map(Self.style(from:))
        }
    }

    public func deleteStyle(bucket: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM image_styles WHERE bucket = ? AND name = ?", arguments: [bucket, name])
            return db.changesCount > 0
        }
    }

    static func style(from row: Row) -> ImageStyleRecord {
        ImageStyleRecord(bucket: row[0], name: row[1], content: row[2], createdAt: row[3], modifiedAt: row[4])
    }
}
