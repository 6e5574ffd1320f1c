import Foundation
import GRDB

/// What the app knows about each upload, recorded from verified callbacks; the bytes stay in storage.
public struct UploadCatalog: Sendable {
    public struct Upload: Sendable, Hashable, Codable {
        public var uid: String
        public var bucket: String
        public var key: String
        public var size: Int64
        public var etag: String
        public var mimeType: String
        public var width: Int?
        public var height: Int?
        /// Unix seconds.
        public var uploadedAt: Int64

        public init(uid: String, bucket: String, key: String, size: Int64, etag: String, mimeType: String,
                    width: Int? = nil, height: Int? = nil, uploadedAt: Int64) {
            self.uid = uid
            self.bucket = bucket
            self.key = key
            self.size = size
            self.etag = etag
            self.mimeType = mimeType
            self.width = width
            self.height = height
            self.uploadedAt = uploadedAt
        }
    }

    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Records an upload; a later upload of the same key replaces the earlier entry.
    public func record(_ upload: Upload) async throws {
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO uploads (bucket, key, uid, size, etag, mime_type, width, height, uploaded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (bucket, key) DO UPDATE SET uid = excluded.uid, size = excluded.size, etag = excluded.etag,
                    mime_type = excluded.mime_type, width = excluded.width, height = excluded.height,
                    uploaded_at = excluded.uploaded_at
                """, arguments: [upload.bucket, upload.key, upload.uid, upload.size, upload.etag, upload.mimeType,
                                 upload.width, upload.height, upload.uploadedAt])
        }
    }

    /// A user's uploads, newest first.
    public func uploads(of uid: String, limit: Int = 1000) async throws -> [Upload] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT bucket, key, uid, size, etag, mime_type, width, height, uploaded_at FROM uploads
                WHERE uid = ? ORDER BY uploaded_at DESC, key LIMIT ?
                """, arguments: [uid, limit]).map { row in
                Upload(uid: row["uid"], bucket: row["bucket"], key: row["key"], size: row["size"], etag: row["etag"],
                       mimeType: row["mime_type"], width: row["width"], height: row["height"], uploadedAt: row["uploaded_at"])
            }
        }
    }
}
