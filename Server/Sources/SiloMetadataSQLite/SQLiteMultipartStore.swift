import Foundation
import GRDB
import SiloCore
import SiloStorage

extension SQLiteMetadataStore {
    static let uploadColumns =
        "upload_id, bucket, key, initiated, content_type, storage_class, acl, headers, user_meta, forbid_overwrite, tags"

    static func upload(from row: Row) -> UploadRecord {
        UploadRecord(
            uploadId: row[0], bucket: row[1], key: row[2], initiated: row[3], contentType: row[4],
            storageClass: StorageClass(rawValue: row[5]) ?? .standard, acl: ObjectACL(rawValue: row[6]) ?? .default,
            headers: RecordCoding.decodeHeaders(row[7]), userMetadata: RecordCoding.decodeMetadata(row[8]),
            forbidOverwrite: row[9], tags: RecordCoding.decodeTags(row[10]))
    }

    static func part(from row: Row) -> PartRecord? {
        guard let extents = RecordCoding.decodeExtents(row[5]) else { return nil }
        return PartRecord(partNumber: row[0], size: row[1], etag: row[2], crc64: RecordCoding.decode(crc: row[3]),
                          lastModified: row[4], extents: extents)
    }

    static func fetchUpload(_ db: Database, bucket: String, key: String, uploadId: String) throws -> UploadRecord? {
        try Row.fetchOne(db, sql: "SELECT \(uploadColumns) FROM uploads WHERE upload_id = ? AND bucket = ? AND key = ?",
                         arguments: [uploadId, bucket, key]).map(upload(from:))
    }

    static func fetchParts(_ db: Database, uploadId: String, after marker: Int = 0, limit: Int = Int.max) throws -> [PartRecord] {
        try Row.fetchAll(
            db, sql: "SELECT part_number, size, etag, crc64, last_modified, extents FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?",
            arguments: [uploadId, marker, min(limit, Int(Int32.max))]
        ).compactMap(part(from:))
    }

    public func createUpload(_ upload: UploadRecord) async throws -> Bool {
        try await pool.write { db in
            guard try SQLiteMetadataStore.bucketExists(upload.bucket, in: db) else {
                return false
            }
            try db.execute(
                sql: "INSERT INTO uploads (\(Self.uploadColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [upload.uploadId, upload.bucket, upload.key, upload.initiated, upload.contentType,
                            upload.storageClass.rawValue, upload.acl.rawValue, RecordCoding.encode(upload.headers),
                            RecordCoding.encode(upload.userMetadata), upload.forbidOverwrite,
                            RecordCoding.encode(upload.tags)])
            return true
        }
    }

    public func upload(bucket: String, key: String, uploadId: String) async throws -> UploadRecord? {
        try await pool.read { db in try Self.fetchUpload(db, bucket: bucket, key: key, uploadId: uploadId) }
    }

    public func commitPart(uploadId: String, _ part: PartRecord, newBlobs: Set<BlobID>) async throws -> PartCommitOutcome {
        let now = clock()
        do {
            return try await pool.write { db -> PartCommitOutcome in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM uploads WHERE upload_id = ?", arguments: [uploadId]) != nil
                else { return .noSuchUpload }
                let previous = try Row.fetchOne(
                    db, sql: "SELECT part_number, size, etag, crc64, last_modified, extents FROM parts WHERE upload_id = ? AND part_number = ?",
                    arguments: [uploadId, part.partNumber]).flatMap(Self.part(from:))
                let new = Set(part.extents.map(\.blob))
                let old = Set(previous?.extents.map(\.blob) ?? [])
                try Self.retain(new.subtracting(old), newBlobs: newBlobs, in: db)
                try Self.release(old.subtracting(new), in: db, now: now)
                try db.execute(
                    sql: "INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, crc64, last_modified, extents) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [uploadId, part.partNumber, part.size, part.etag, RecordCoding.encode(crc: part.crc64),
                                part.lastModified, RecordCoding.encode(part.extents)])
                return .committed
            }
        } catch Rollback.sourceReleased {
            return .sourceReleased
        }
    }

    public func parts(uploadId: String, after marker: Int, limit: Int) async throws -> [PartRecord] {
        try await pool.read { db in try Self.fetchParts(db, uploadId: uploadId, after: marker, limit: limit) }
    }

    public func completeUpload(bucket: String, key: String, uploadId: String, parts requested: [CompletionPart]?,
                               minimumPartSize: Int64, lastModified: Int64) async throws -> CompleteOutcome {
        let now = clock()
        return try await pool.write { db -> CompleteOutcome in
            guard try SQLiteMetadataStore.bucketExists(bucket, in: db) else {
                return .noSuchBucket
            }
            guard let upload = try Self.fetchUpload(db, bucket: bucket, key: key, uploadId: uploadId) else {
                return .noSuchUpload
            }
            let stored = try Self.fetchParts(db, uploadId: uploadId)
            let chosen: [PartRecord]
            switch MultipartCompletion.choose(stored: stored, requested: requested, minimumPartSize: minimumPartSize) {
            case .success(let parts): chosen = parts
            case .failure(let refusal): return refusal.outcome
            }
            let current = try Self.fetchObject(db, bucket: bucket, key: key)
            if upload.forbidOverwrite && current != nil { return .fileAlreadyExists }
            var record = MultipartCompletion.assemble(upload, parts: chosen, lastModified: lastModified)
            // The object takes its own references before the parts give theirs up.
            record.versionId = try Self.replaceObject(record, current: current, newBlobs: [], in: db, now: now)
            for part in stored { try Self.release(Set(part.extents.map(\.blob)), in: db, now: now) }
            try db.execute(sql: "DELETE FROM parts WHERE upload_id = ?", arguments: [uploadId])
            try db.execute(sql: "DELETE FROM uploads WHERE upload_id = ?", arguments: [uploadId])
            return .completed(record)
        }
    }

    public func abortUpload(bucket: String, key: String, uploadId: String) async throws -> Bool {
        let now = clock()
        return try await pool.write { db -> Bool in
            guard try Self.fetchUpload(db, bucket: bucket, key: key, uploadId: uploadId) != nil else { return false }
            for part in try Self.fetchParts(db, uploadId: uploadId) {
                try Self.release(Set(part.extents.map(\.blob)), in: db, now: now)
            }
            try db.execute(sql: "DELETE FROM parts WHERE upload_id = ?", arguments: [uploadId])
            try db.execute(sql: "DELETE FROM uploads WHERE upload_id = ?", arguments: [uploadId])
            return true
        }
    }

    public func listUploads(_ query: UploadListQuery) async throws -> UploadListing {
        try await pool.read { db in try UploadLister(db: db, query: query).run() }
    }

    public func claimStaleUploads(initiatedBefore cutoff: Int64, lease: Int64, limit: Int) async throws -> [UploadRecord] {
        let now = clock()
        return try await pool.write { db in
            let uploads = try Row.fetchAll(db, sql: """
                SELECT \(Self.uploadColumns) FROM uploads
                WHERE initiated < ? AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY initiated, upload_id LIMIT ?
                """, arguments: [cutoff, now, limit]).map(Self.upload(from:))
            for upload in uploads {
                try db.execute(sql: "UPDATE uploads SET claimed_until = ? WHERE upload_id = ?",
                               arguments: [now + lease, upload.uploadId])
            }
            return uploads
        }
    }

    public func uploadCount(bucket: String) async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM uploads WHERE bucket = ?", arguments: [bucket]) ?? 0 }
    }
}

/// One page of ListMultipartUploads: by key, then initiation; with a delimiter, keys roll up into prefixes.
struct UploadLister {
    let db: Database
    let query: UploadListQuery

    func run() throws -> UploadListing {
        let limit = max(0, query.limit)
        var entries: [UploadListing.Entry] = []
        // A marker that is itself a rolled-up prefix (the previous page's NextKeyMarker) skips that whole group.
        var lastPrefix = query.keyMarker.flatMap(commonPrefix(of:))
        var cursor = markerPosition()
        while true {
            let batch = try fetch(limit: 1000, after: cursor)
            for upload in batch {
                cursor = (upload.key, upload.uploadId)
                if let group = commonPrefix(of: upload.key) {
                    if group == lastPrefix { continue }
                    if entries.count == limit { return UploadListing(entries: entries, isTruncated: true) }
                    entries.append(.commonPrefix(group))
                    lastPrefix = group
                    continue
                }
                if entries.count == limit { return UploadListing(entries: entries, isTruncated: true) }
                entries.append(.upload(upload))
            }
            if batch.count < 1000 { return UploadListing(entries: entries, isTruncated: false) }
        }
    }

    func commonPrefix(of key: String) -> String? { query.commonPrefix(of: key) }

    private func fetch(limit: Int, after: (String, String)? = nil) throws -> [UploadRecord] {
        var sql = "SELECT \(SQLiteMetadataStore.uploadColumns) FROM uploads WHERE bucket = ?"
        var arguments: StatementArguments = [query.bucket]
        if !query.prefix.isEmpty, let upper = KeyOrder.byteSuccessor(of: query.prefix) {
            sql += " AND key >= ? AND key < CAST(? AS TEXT)"
            arguments += [query.prefix, Data(upper)]
        }
        if let (key, uploadId) = after {
            sql += " AND (key > ? OR (key = ? AND upload_id > ?))"
            arguments += [key, key, uploadId]
        }
        sql += " ORDER BY key, upload_id LIMIT ?"
        arguments += [limit]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteMetadataStore.upload(from:))
    }

    /// `key-marker` alone skips that key's uploads; with `upload-id-marker`, later uploads of that key remain.
    private func markerPosition() -> (String, String)? {
        guard let key = query.keyMarker, !key.isEmpty else { return nil }
        if let uploadId = query.uploadIdMarker, !uploadId.isEmpty { return (key, uploadId) }
        // Past every upload id of this key: ids are hex, so "~" sorts after all of them.
        return (key, "~")
    }
}
