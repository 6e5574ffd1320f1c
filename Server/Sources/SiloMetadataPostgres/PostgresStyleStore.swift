import PostgresNIO
import SiloDomain
import SiloStorage

/// The image styles of SiloDomain, in a table beside the buckets.
extension PostgresMetadataStore: ImageStyleStore {
    public func putStyle(_ style: ImageStyleRecord, maxPerBucket: Int) async throws -> StylePutOutcome {
        do {
            return try await database.transaction { connection in
                let logger = self.database.logger
                // Locking the bucket serializes style writers of one bucket, so the count below stays true; a
                // no-key lock does not hold up object writers, whose foreign keys take key-share locks.
                guard try await !connection.rows(
                    "SELECT 1 FROM buckets WHERE name = \(style.bucket) FOR NO KEY UPDATE", logger: logger
                ).isEmpty else { return .noSuchBucket }
                let others = try await connection.rows(
                    "SELECT count(*) FROM image_styles WHERE bucket = \(style.bucket) AND name <> \(style.name)",
                    logger: logger
                ).first?.decode(Int64.self) ?? 0
                guard others < maxPerBucket else { return .tooMany }
                try await connection.execute("""
                    INSERT INTO image_styles (bucket, name, content, created_at, modified_at)
                    VALUES (\(style.bucket), \(style.name), \(style.content), \(style.createdAt), \(style.modifiedAt))
                    ON CONFLICT (bucket, name) DO UPDATE SET content = excluded.content, modified_at = excluded.modified_at
                    """, logger: logger)
                return .saved
            }
        } catch where PostgresDatabase.sqlState(error) == "23503" {
            return .noSuchBucket
        }
    }

    public func style(bucket: String, name: String) async throws -> ImageStyleRecord? {
        try await database.query { connection in
            try await connection.rows("""
                SELECT bucket, name, content, created_at, modified_at FROM image_styles
                WHERE bucket = \(bucket) AND name = \(name)
                """, logger: self.database.logger).first.map(Self.style(from:))
        }
    }

    public func styles(bucket: String) async throws -> [ImageStyleRecord] {
        try await database.query { connection in
            try await connection.rows("""
                SELECT bucket, name, content, created_at, modified_at FROM image_styles
                WHERE bucket = \(bucket) ORDER BY name
                """, logger: self.database.logger).map(Self.style(from:))
        }
    }

    public func deleteStyle(bucket: String, name: String) async throws -> Bool {
        try await database.transaction { connection in
            try await !connection.rows(
                "DELETE FROM image_styles WHERE bucket = \(bucket) AND name = \(name) RETURNING 1",
                logger: self.database.logger
            ).isEmpty
        }
    }

    static func style(from row: PostgresRow) throws -> ImageStyleRecord {
        let (bucket, name, content, createdAt, modifiedAt) = try row.decode((String, String, String, Int64, Int64).self)
        return ImageStyleRecord(bucket: bucket, name: name, content: content, createdAt: createdAt, modifiedAt: modifiedAt)
    }
}
