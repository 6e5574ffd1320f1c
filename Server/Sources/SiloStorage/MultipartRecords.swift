import SiloCore

/// An upload in progress: where it completes to and what the object will carry.
public struct UploadRecord: Sendable, Hashable {
    public var uploadId: String
    public var bucket: String
    public var key: String
    public var initiated: Int64
    public var contentType: String
    public var storageClass: StorageClass
    public var acl: ObjectACL
    public var headers: StoredHeaders
    public var userMetadata: [MetadataEntry]
    /// `x-oss-forbid-overwrite` given at initiate: checked again at complete.
    public var forbidOverwrite: Bool
    public var tags: ObjectTagSet

    public init(uploadId: String, bucket: String, key: String, initiated: Int64, contentType: String,
                storageClass: StorageClass, acl: ObjectACL, headers: StoredHeaders, userMetadata: [MetadataEntry],
                forbidOverwrite: Bool, tags: ObjectTagSet = ObjectTagSet()) {
        self.uploadId = uploadId
        self.bucket = bucket
        self.key = key
        self.initiated = initiated
        self.contentType = contentType
        self.storageClass = storageClass
        self.acl = acl
        self.headers = headers
        self.userMetadata = userMetadata
        self.forbidOverwrite = forbidOverwrite
        self.tags = tags
    }

    public var summary: MultipartUploadSummary { MultipartUploadSummary(key: key, uploadId: uploadId, initiated: initiated) }
}

/// One uploaded part. Like an object, a manifest of extents: a copied part references its source's bytes.
public struct PartRecord: Sendable, Hashable {
    public var partNumber: Int
    public var size: Int64
    /// Upper-case hex MD5 of the part's bytes.
    public var etag: String
    public var crc64: UInt64
    public var lastModified: Int64
    public var extents: [Extent]

    public init(partNumber: Int, size: Int64, etag: String, crc64: UInt64, lastModified: Int64, extents: [Extent]) {
        self.partNumber = partNumber
        self.size = size
        self.etag = etag
        self.crc64 = crc64
        self.lastModified = lastModified
        self.extents = extents
    }
}

public struct UploadListQuery: Sendable, Hashable {
    public var bucket: String
    public var prefix: String
    public var delimiter: String?
    public var keyMarker: String?
    public var uploadIdMarker: String?
    public var limit: Int

    public init(bucket: String, prefix: String = "", delimiter: String? = nil, keyMarker: String? = nil,
                uploadIdMarker: String? = nil, limit: Int = 1000) {
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.keyMarker = keyMarker
        self.uploadIdMarker = uploadIdMarker
        self.limit = limit
    }
}

public struct UploadListing: Sendable {
    public enum Entry: Sendable {
        case upload(UploadRecord)
        case commonPrefix(String)
    }

    public var entries: [Entry]
    public var isTruncated: Bool

    public init(entries: [Entry], isTruncated: Bool) {
        self.entries = entries
        self.isTruncated = isTruncated
    }
}

/// The part list a complete names, already parsed and ordered.
public struct CompletionPart: Sendable, Hashable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

public enum CompleteOutcome: Sendable {
    case completed(ObjectRecord)
    case noSuchUpload
    case noSuchBucket
    case invalidPart(partNumber: Int)
    case entityTooSmall(partNumber: Int)
    case fileAlreadyExists
}

/// Durable multipart state; the metadata store implements it. Each call is one transaction.
public protocol MultipartStore: Sendable {
    func createUpload(_ upload: UploadRecord) async throws -> Bool
    func upload(bucket: String, key: String, uploadId: String) async throws -> UploadRecord?
    /// Registers a part (replacing one of the same number, whose blobs are released). False when the upload is
    /// gone; `newBlobs` were just written, other blobs of `part.extents` must still be live.
    func commitPart(uploadId: String, _ part: PartRecord, newBlobs: Set<BlobID>) async throws -> PartCommitOutcome
    func parts(uploadId: String, after marker: Int, limit: Int) async throws -> [PartRecord]
    /// Turns the named parts into the object's extents and ends the upload, in one transaction. Parts left out
    /// are released, as is what the object replaced.
    func completeUpload(bucket: String, key: String, uploadId: String, parts: [CompletionPart]?, minimumPartSize: Int64,
                        lastModified: Int64) async throws -> CompleteOutcome
    /// Ends the upload and releases its parts; false when it does not exist.
    func abortUpload(bucket: String, key: String, uploadId: String) async throws -> Bool
    func listUploads(_ query: UploadListQuery) async throws -> UploadListing
    /// Claims up to `limit` uploads initiated before `cutoff` for `lease` seconds, for automatic abort: expiry
    /// running on other gateways skips claimed uploads, and a claim lapses if its holder dies.
    func claimStaleUploads(initiatedBefore cutoff: Int64, lease: Int64, limit: Int) async throws -> [UploadRecord]
    func uploadCount(bucket: String) async throws -> Int64
}

public enum PartCommitOutcome: Sendable, Hashable {
    case committed
    case noSuchUpload
    case sourceReleased
}
