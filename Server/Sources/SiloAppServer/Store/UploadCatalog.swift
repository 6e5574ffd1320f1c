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
        /// What media jobs made of it, as their webhooks announced.
        public var renditions: [Rendition]

        public init(uid: String, bucket: String, key: String, size: Int64, etag: String, mimeType: String,
                    width: Int? = nil, height: Int? = nil, uploadedAt: Int64, renditions: [Rendition] = []) {
            self.renditions = renditions
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

    /// An object a media job made from an upload.
    public struct Rendition: Sendable, Hashable, Codable {
        public var bucket: String
        public var key: String
        /// `video/convert`, `audio/convert` or `video/snapshots`.
        public var process: String
        public var taskId: String
        /// Unix seconds.
        public var recordedAt: Int64

        public init(bucket: String, key: String, process: String, taskId: String, recordedAt: Int64) {
            self.bucket = bucket
            self.key = key
            self.process = process
            self.taskId = taskId
            self.recordedAt = recordedAt
        }
    }

    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Records an upload; a later upload of the same key replaces the earlier entry, and new content drops the
    /// renditions made of the old.
    public func record(_ upload: Upload) async throws {
        try await database.pool.write { db in
            try db.execute(sql: """
                DELETE FROM renditions WHERE source_bucket = ? AND source_key = ?
                    AND EXISTS (SELECT 1 FROM uploads WHERE bucket = ? AND key = ? AND etag <> ?)
                """, arguments: [upload.bucket, upload.key, upload.bucket, upload.key, upload.etag])
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

    /// A user's uploads, newest first, each with its renditions.
    public func uploads(of uid: String, limit: Int = 1000) async throws -> [Upload] {
        try await database.pool.read { db in
            var uploads = try Row.fetchAll(db, sql: """
                SELECT bucket, key, uid, size, etag, mime_type, width, height, uploaded_at FROM uploads
                WHERE uid = ? ORDER BY uploaded_at DESC, key LIMIT ?
                """, arguments: [uid, limit]).map(Self.upload)
            var index: [String: Int] = [:]
            for (position, upload) in uploads.enumerated() { index[upload.bucket + "\n" + upload.key] = position }
            for row in try Row.fetchAll(db, sql: """
                SELECT r.source_bucket, r.source_key, r.bucket, r.key, r.process, r.task_id, r.recorded_at
                FROM renditions r JOIN uploads u ON u.bucket = r.source_bucket AND u.key = r.source_key
                WHERE u.uid = ? ORDER BY r.key
                """, arguments: [uid]) {
                let source: String = row["source_bucket"]
                let sourceKey: String = row["source_key"]
                guard let position = index[source + "\n" + sourceKey] else { continue }
                uploads[position].renditions.append(
                    Rendition(bucket: row["bucket"], key: row["key"], process: row["process"], taskId: row["task_id"],
                              recordedAt: row["recorded_at"]))
            }
            return uploads
        }
    }

    /// The newest uploads of everyone, or of the users whose id contains `user`, with how many renditions each has.
    public func recent(user: String?, limit: Int = 200) async throws -> [(upload: Upload, renditions: Int)] {
        try await database.pool.read { db in
            let filter = user.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" }
            return try Row.fetchAll(db, sql: """
                SELECT u.bucket, u.key, u.uid, u.size, u.etag, u.mime_type, u.width, u.height, u.uploaded_at,
                    (SELECT COUNT(*) FROM renditions r WHERE r.source_bucket = u.bucket AND r.source_key = u.key) AS renditions
                FROM uploads u
                WHERE ? IS NULL OR u.uid LIKE ? ESCAPE '\\'
                ORDER BY u.uploaded_at DESC, u.key LIMIT ?
                """, arguments: [filter, filter, limit]).map { row in (Self.upload(row), row["renditions"]) }
        }
    }

    /// The catalog's entry for an object, if it was recorded.
    public func upload(bucket: String, key: String) async throws -> Upload? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT bucket, key, uid, size, etag, mime_type, width, height, uploaded_at FROM uploads
                WHERE bucket = ? AND key = ?
                """, arguments: [bucket, key]).map(Self.upload)
        }
    }

    /// Records what a media job made of an upload; a delivery repeated (webhooks come at least once) changes
    /// nothing. Answers how many renditions were new.
    @discardableResult
    public func recordRenditions(_ renditions: [Rendition], of source: (bucket: String, key: String)) async throws -> Int {
        try await database.pool.write { db in
            var added = 0
            for rendition in renditions {
                try db.execute(sql: """
                    INSERT INTO renditions (source_bucket, source_key, task_id, bucket, key, process, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source_bucket, source_key, bucket, key) DO UPDATE SET task_id = excluded.task_id,
                        process = excluded.process, recorded_at = excluded.recorded_at
                        WHERE renditions.task_id <> excluded.task_id
                    """, arguments: [source.bucket, source.key, rendition.taskId, rendition.bucket, rendition.key,
                                     rendition.process, rendition.recordedAt])
                added += db.changesCount
            }
            return added
        }
    }

    private static func upload(_ row: Row) -> Upload {
        Upload(uid: row["uid"], bucket: row["bucket"], key: row["key"], size: row["size"], etag: row["etag"],
               mimeType: row["mime_type"], width: row["width"], height: row["height"], uploadedAt: row["uploaded_at"])
    }
}
