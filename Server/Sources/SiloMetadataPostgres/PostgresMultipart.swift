import Logging
import PostgresNIO
import SiloCore
import SiloStorage

/// Uploads and parts. Complete and abort both lock the upload row first, so when they race (on one gateway or
/// two) the second finds the upload gone; a part commit holds a share lock on it through its foreign key, so no
/// part lands in an upload that is completing.
extension PostgresMetadataStore {
    static let uploadColumns =
        "upload_id, bucket, key, initiated, content_type, storage_class, acl, headers, user_meta, forbid_overwrite, tags"
    static let partColumns = "part_number, size, etag, crc64, last_modified, extents"

    static func upload(from row: PostgresRow) throws -> UploadRecord {
        let (uploadId, bucket, key, initiated, contentType, storageClass, acl, headers, userMeta, forbidOverwrite, tags) =
            try row.decode((String, String, String, Int64, String, String, String, String?, String?, Bool, String?).self)
        return UploadRecord(
            uploadId: uploadId, bucket: bucket, key: key, initiated: initiated, contentType: contentType,
            storageClass: StorageClass(rawValue: storageClass) ?? .standard, acl: ObjectACL(rawValue: acl) ?? .default,
            headers: RecordCoding.decodeHeaders(headers), userMetadata: RecordCoding.decodeMetadata(userMeta),
            forbidOverwrite: forbidOverwrite, tags: RecordCoding.decodeTags(tags))
    }

    static func part(from row: PostgresRow) throws -> PartRecord? {
        let (number, size, etag, crc, lastModified, extentsText) =
            try row.decode((Int64, Int64, String, Int64, Int64, String).self)
        guard let extents = RecordCoding.decodeExtents(extentsText) else { return nil }
        return PartRecord(partNumber: Int(number), size: size, etag: etag, crc64: RecordCoding.decode(crc: crc),
                          lastModified: lastModified, extents: extents)
    }

    static func fetchUpload(_ connection: PostgresConnection, bucket: String, key: String, uploadId: String,
                            locking: Bool = false, logger: Logger) async throws -> UploadRecord? {
        let query: PostgresQuery = locking
            ? "SELECT \(unescaped: uploadColumns) FROM uploads WHERE upload_id = \(uploadId) AND bucket = \(bucket) AND key = \(key) FOR UPDATE"
            : "SELECT \(unescaped: uploadColumns) FROM uploads WHERE upload_id = \(uploadId) AND bucket = \(bucket) AND key = \(key)"
        return try await connection.rows(query, logger: logger).first.map(upload(from:))
    }

    static func fetchParts(_ connection: PostgresConnection, uploadId: String, after marker: Int = 0,
                           limit: Int = Int(Int32.max), logger: Logger) async throws -> [PartRecord] {
        try await connection.rows("""
            SELECT \(unescaped: partColumns) FROM parts WHERE upload_id = \(uploadId) AND part_number > \(Int64(marker))
            ORDER BY part_number LIMIT \(Int64(min(limit, Int(Int32.max))))
            """, logger: logger).compactMap(part(from:))
    }

    public func createUpload(_ upload: UploadRecord) async throws -> Bool {
        do {
            return try await database.transaction { connection in
                try await connection.execute("""
                    INSERT INTO uploads (\(unescaped: Self.uploadColumns)) VALUES (\(upload.uploadId), \(upload.bucket),
                        \(upload.key), \(upload.initiated), \(upload.contentType), \(upload.storageClass.rawValue),
                        \(upload.acl.rawValue), \(RecordCoding.encode(upload.headers)),
                        \(RecordCoding.encode(upload.userMetadata)), \(upload.forbidOverwrite),
                        \(RecordCoding.encode(upload.tags)))
                    """, logger: self.database.logger)
                return true
            }
        } catch where PostgresDatabase.sqlState(error) == "23503" {
            return false  // no such bucket
        }
    }

    public func upload(bucket: String, key: String, uploadId: String) async throws -> UploadRecord? {
        try await database.query { connection in
            try await Self.fetchUpload(connection, bucket: bucket, key: key, uploadId: uploadId, logger: self.database.logger)
        }
    }

    public func commitPart(uploadId: String, _ part: PartRecord, newBlobs: Set<BlobID>) async throws -> PartCommitOutcome {
        let now = clock()
        do {
            return try await database.transaction { connection in
                let logger = self.database.logger
                // A share lock on the upload: complete and abort (which lock it for update) wait for this part, and
                // this part waits for them, then finds the upload gone.
                guard try await !connection.rows(
                    "SELECT 1 FROM uploads WHERE upload_id = \(uploadId) FOR SHARE", logger: logger
                ).isEmpty else { return .noSuchUpload }
                let previous = try await connection.rows("""
                    SELECT \(unescaped: Self.partColumns) FROM parts
                    WHERE upload_id = \(uploadId) AND part_number = \(Int64(part.partNumber)) FOR UPDATE
                    """, logger: logger).first.flatMap(Self.part(from:))
                let new = Set(part.extents.map(\.blob))
                let old = Set(previous?.extents.map(\.blob) ?? [])
                try await Self.swapReferences(from: old, to: new, newBlobs: newBlobs, on: connection, now: now,
                                              logger: logger)
                let crc = RecordCoding.encode(crc: part.crc64)
                let extents = RecordCoding.encode(part.extents)
                if previous == nil {
                    let inserted = try await connection.rows("""
                        INSERT INTO parts (upload_id, part_number, size, etag, crc64, last_modified, extents)
                        VALUES (\(uploadId), \(Int64(part.partNumber)), \(part.size), \(part.etag), \(crc),
                                \(part.lastModified), \(extents))
                        ON CONFLICT (upload_id, part_number) DO NOTHING RETURNING 1
                        """, logger: logger)
                    if inserted.isEmpty { throw PostgresDatabase.Retry() }  // the same part, uploaded concurrently
                } else {
                    try await connection.execute("""
                        UPDATE parts SET size = \(part.size), etag = \(part.etag), crc64 = \(crc),
                            last_modified = \(part.lastModified), extents = \(extents)
                        WHERE upload_id = \(uploadId) AND part_number = \(Int64(part.partNumber))
                        """, logger: logger)
                }
                return .committed
            }
        } catch SourceReleased.rollback {
            return .sourceReleased
        }
    }

    public func parts(uploadId: String, after marker: Int, limit: Int) async throws -> [PartRecord] {
        try await database.query { connection in
            try await Self.fetchParts(connection, uploadId: uploadId, after: marker, limit: limit, logger: self.database.logger)
        }
    }

    public func completeUpload(bucket: String, key: String, uploadId: String, parts requested: [CompletionPart]?,
                               minimumPartSize: Int64, lastModified: Int64) async throws -> CompleteOutcome {
        let now = clock()
        return try await database.transaction { connection in
            let logger = self.database.logger
            guard let upload = try await Self.fetchUpload(
                connection, bucket: bucket, key: key, uploadId: uploadId, locking: true, logger: logger)
            else {
                return try await Self.bucketExists(connection, bucket, logger: logger) ? .noSuchUpload : .noSuchBucket
            }
            let stored = try await Self.fetchParts(connection, uploadId: uploadId, logger: logger)
            let chosen: [PartRecord]
            switch MultipartCompletion.choose(stored: stored, requested: requested, minimumPartSize: minimumPartSize) {
            case .success(let parts): chosen = parts
            case .failure(let refusal): return refusal.outcome
            }
            let current = try await Self.fetchObject(connection, bucket: bucket, key: key, locking: true, logger: logger)
            if upload.forbidOverwrite && current != nil { return .fileAlreadyExists }
            var record = MultipartCompletion.assemble(upload, parts: chosen, lastModified: lastModified)
            // The object takes its own references before the parts give theirs up.
            record.versionId = try await Self.replaceObject(record, current: current, newBlobs: [], on: connection,
                                                            now: now, logger: logger)
            var counts: [BlobID: Int64] = [:]
            for part in stored {
                for blob in Set(part.extents.map(\.blob)) { counts[blob, default: 0] += 1 }
            }
            try await Self.release(counts: counts, on: connection, now: now, logger: logger)
            try await connection.execute("DELETE FROM parts WHERE upload_id = \(uploadId)", logger: logger)
            try await connection.execute("DELETE FROM uploads WHERE upload_id = \(uploadId)", logger: logger)
            return .completed(record)
        }
    }

    public func abortUpload(bucket: String, key: String, uploadId: String) async throws -> Bool {
        let now = clock()
        return try await database.transaction { connection in
            let logger = self.database.logger
            guard try await Self.fetchUpload(
                connection, bucket: bucket, key: key, uploadId: uploadId, locking: true, logger: logger) != nil
            else { return false }
            var counts: [BlobID: Int64] = [:]
            for part in try await Self.fetchParts(connection, uploadId: uploadId, logger: logger) {
                for blob in Set(part.extents.map(\.blob)) { counts[blob, default: 0] += 1 }
            }
            try await Self.release(counts: counts, on: connection, now: now, logger: logger)
            try await connection.execute("DELETE FROM parts WHERE upload_id = \(uploadId)", logger: logger)
            try await connection.execute("DELETE FROM uploads WHERE upload_id = \(uploadId)", logger: logger)
            return true
        }
    }

    public func listUploads(_ query: UploadListQuery) async throws -> UploadListing {
        try await database.query { connection in
            try await PostgresUploadLister(connection: connection, query: query, logger: self.database.logger).run()
        }
    }

    public func claimStaleUploads(initiatedBefore cutoff: Int64, lease: Int64, limit: Int) async throws -> [UploadRecord] {
        let now = clock()
        return try await database.transaction { connection in
            try await connection.rows("""
                UPDATE uploads SET claimed_until = \(now + lease) WHERE upload_id IN (
                    SELECT upload_id FROM uploads
                    WHERE initiated < \(cutoff) AND (claimed_until IS NULL OR claimed_until <= \(now))
                    ORDER BY initiated, upload_id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.uploadColumns)
                """, logger: self.database.logger).map(Self.upload(from:)).sorted { $0.initiated < $1.initiated }
        }
    }

    public func uploadCount(bucket: String) async throws -> Int64 {
        try await database.query { connection in
            try await connection.rows("SELECT count(*) FROM uploads WHERE bucket = \(bucket)", logger: self.database.logger)
                .first?.decode(Int64.self) ?? 0
        }
    }
}

/// One page of ListMultipartUploads: by key, then initiation; with a delimiter, keys roll up into prefixes.
struct PostgresUploadLister {
    let connection: PostgresConnection
    let query: UploadListQuery
    let logger: Logger

    func run() async throws -> UploadListing {
        let limit = max(0, query.limit)
        var entries: [UploadListing.Entry] = []
        // A marker that is itself a rolled-up prefix (the previous page's NextKeyMarker) skips that whole group.
        var lastPrefix = query.keyMarker.flatMap(query.commonPrefix(of:))
        var cursor = markerPosition()
        while true {
            let batch = try await fetch(limit: 1000, after: cursor)
            for upload in batch {
                cursor = (upload.key, upload.uploadId)
                if let group = query.commonPrefix(of: upload.key) {
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

    private func fetch(limit: Int, after: (String, String)?) async throws -> [UploadRecord] {
        var statement = StatementBuilder()
        let bucket = statement.bind(query.bucket)
        statement.append("SELECT \(PostgresMetadataStore.uploadColumns) FROM uploads WHERE bucket = \(bucket)")
        if !query.prefix.isEmpty {
            let lower = statement.bind(query.prefix)
            statement.append(" AND key >= \(lower)")
            if let upper = KeyOrder.successor(of: query.prefix) {
                let bound = statement.bind(upper)
                statement.append(" AND key < \(bound)")
            }
        }
        if let (key, uploadId) = after {
            let keyBound = statement.bind(key)
            let idBound = statement.bind(uploadId)
            statement.append(" AND (key > \(keyBound) OR (key = \(keyBound) AND upload_id > \(idBound)))")
        }
        let count = statement.bind(Int64(limit))
        statement.append(" ORDER BY key, upload_id LIMIT \(count)")
        return try await connection.rows(statement.query, logger: logger).map(PostgresMetadataStore.upload(from:))
    }

    /// `key-marker` alone skips that key's uploads; with `upload-id-marker`, later uploads of that key remain.
    private func markerPosition() -> (String, String)? {
        guard let key = query.keyMarker, !key.isEmpty else { return nil }
        if let uploadId = query.uploadIdMarker, !uploadId.isEmpty { return (key, uploadId) }
        // Past every upload id of this key: ids are hex, so "~" sorts after all of them.
        return (key, "~")
    }
}
