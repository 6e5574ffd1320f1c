/// A named image process of a bucket (spec §14.3), used as `x-oss-process=style/<name>`.
public struct ImageStyleRecord: Sendable, Hashable {
    public var bucket: String
    public var name: String
    /// Stored as given: the service accepts any text and fails at use when it does not parse.
    public var content: String
    public var createdAt: Int64
    public var modifiedAt: Int64

    public init(bucket: String, name: String, content: String, createdAt: Int64, modifiedAt: Int64) {
        self.bucket = bucket
        self.name = name
        self.content = content
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

public enum StylePutOutcome: Sendable, Hashable {
    case saved
    case noSuchBucket
    /// The bucket already has `maxStylesPerBucket` other styles.
    case tooMany
}

/// Styles per bucket: a small table beside the bucket, removed with it.
public protocol ImageStyleStore: Sendable {
    /// Creates or replaces; a replacement keeps its creation time.
    func putStyle(_ style: ImageStyleRecord, maxPerBucket: Int) async throws -> StylePutOutcome
    func style(bucket: String, name: String) async throws -> ImageStyleRecord?
    /// By name.
    func styles(bucket: String) async throws -> [ImageStyleRecord]
    func deleteStyle(bucket: String, name: String) async throws -> Bool
}
