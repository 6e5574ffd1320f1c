import SiloCore

/// A blob's identity: 32 lower-case hex characters, never derived from a key, so no key can name a path.
public struct BlobID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let raw: String

    public init?(_ raw: String) {
        guard raw.utf8.count == 32, raw.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        self.raw = raw
    }

    public static func random() -> BlobID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        for word in [high, low] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return BlobID(Hex.lower(bytes))!
    }

    public var description: String { raw }
    public static func < (lhs: BlobID, rhs: BlobID) -> Bool { lhs.raw < rhs.raw }
}

/// A run of bytes inside a blob. Objects are manifests of extents, so copies and appends share bytes.
/// `offset` and `length` count plaintext bytes; a sealed blob's bytes at rest are its chunks (`SealedChunks`).
public struct Extent: Sendable, Hashable {
    public var blob: BlobID
    public var offset: Int64
    public var length: Int64
    /// Set when the blob is encrypted at rest (SSE-OSS): its data key, wrapped, and its plaintext size.
    public var sealing: Sealing?

    public init(blob: BlobID, offset: Int64 = 0, length: Int64, sealing: Sealing? = nil) {
        self.blob = blob
        self.offset = offset
        self.length = length
        self.sealing = sealing
    }
}

/// How a blob is sealed: its own random data key, wrapped by the key derived from the master key, and the
/// plaintext size of the whole blob (which places its last, shorter chunk).
public struct Sealing: Sendable, Hashable {
    /// Base64 of the AES-GCM box (nonce, ciphertext, tag) of the data key.
    public var wrappedKey: String
    public var blobSize: Int64

    public init(wrappedKey: String, blobSize: Int64) {
        self.wrappedKey = wrappedKey
        self.blobSize = blobSize
    }
}

extension Extent {
    /// Splits a byte range of the object these extents make into (extent, offset in its blob, length) pieces of
    /// at most `maxPiece` bytes, in order.
    public static func forEachPiece(of extents: [Extent], in range: Range<Int64>, maxPiece: Int = Int.max,
                                    _ body: (Extent, Int64, Int) throws -> Void) rethrows {
        var extentStart: Int64 = 0
        for extent in extents {
            let extentEnd = extentStart + extent.length
            defer { extentStart = extentEnd }
            var position = max(range.lowerBound, extentStart)
            let upper = min(range.upperBound, extentEnd)
            while position < upper {
                let count = Int(min(Int64(maxPiece), upper - position))
                try body(extent, extent.offset + (position - extentStart), count)
                position += Int64(count)
            }
        }
    }
}

/// What a finished blob write produced.
public struct BlobDigest: Sendable, Hashable {
    public var blob: BlobID
    public var size: Int64
    public var md5: [UInt8]
    public var crc64: UInt64
    /// Set when the blob was written sealed; size, MD5 and CRC-64 are then those of the plaintext.
    public var sealing: Sealing?
    /// The file's bytes, set when it was written unsynced (`writeJournaled`): durable only once committed with
    /// the metadata that names the blob.
    public var journal: [UInt8]?

    public init(blob: BlobID, size: Int64, md5: [UInt8], crc64: UInt64, sealing: Sealing? = nil, journal: [UInt8]? = nil) {
        self.blob = blob
        self.size = size
        self.md5 = md5
        self.crc64 = crc64
        self.sealing = sealing
        self.journal = journal
    }

    public var extent: Extent { Extent(blob: blob, length: size, sealing: sealing) }
}

public struct BucketRecord: Sendable, Hashable {
    public var name: String
    public var owner: String
    public var createdAt: Int64
    public var acl: BucketACL
    public var storageClass: StorageClass
    public var cors: CORSConfiguration?
    public var policy: String?
    public var tags: [ResourceTag]
    public var lifecycle: LifecycleConfiguration?
    public var referer: RefererConfiguration?
    public var notifications: NotificationConfiguration?
    public var versioning: VersioningStatus?
    /// The default server-side encryption of writes that name none (`AES256`).
    public var encryption: String?

    public init(name: String, owner: String, createdAt: Int64, acl: BucketACL, storageClass: StorageClass,
                cors: CORSConfiguration? = nil, policy: String? = nil, tags: [ResourceTag] = [],
                lifecycle: LifecycleConfiguration? = nil, referer: RefererConfiguration? = nil,
                notifications: NotificationConfiguration? = nil, versioning: VersioningStatus? = nil,
                encryption: String? = nil) {
        self.name = name
        self.owner = owner
        self.createdAt = createdAt
        self.acl = acl
        self.storageClass = storageClass
        self.cors = cors
        self.policy = policy
        self.tags = tags
        self.lifecycle = lifecycle
        self.referer = referer
        self.notifications = notifications
        self.versioning = versioning
        self.encryption = encryption
    }
}

/// The standard HTTP headers an object stores and echoes.
public struct StoredHeaders: Sendable, Hashable {
    public var cacheControl: String?
    public var contentDisposition: String?
    public var contentEncoding: String?
    public var contentLanguage: String?
    public var expires: String?
    /// `x-oss-server-side-encryption` the object was written with (`AES256`): its blobs are sealed.
    public var serverSideEncryption: String?

    public init(cacheControl: String? = nil, contentDisposition: String? = nil, contentEncoding: String? = nil,
                contentLanguage: String? = nil, expires: String? = nil, serverSideEncryption: String? = nil) {
        self.cacheControl = cacheControl
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
        self.contentLanguage = contentLanguage
        self.expires = expires
        self.serverSideEncryption = serverSideEncryption
    }
}

/// One user metadata pair, the name lower-cased without `x-oss-meta-`, the value byte-for-byte.
public struct MetadataEntry: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public struct ObjectRecord: Sendable, Hashable {
    public var bucket: String
    public var key: String
    public var size: Int64
    /// Upper-case hex, unquoted.
    public var etag: String
    /// Unix seconds.
    public var lastModified: Int64
    public var contentType: String
    /// Base64 MD5 of the content, for Normal objects only.
    public var contentMD5: String?
    public var crc64: UInt64
    public var type: ObjectType
    public var storageClass: StorageClass
    public var acl: ObjectACL
    public var headers: StoredHeaders
    public var userMetadata: [MetadataEntry]
    public var extents: [Extent]
    /// For `Symlink` objects: the key (same bucket) reads resolve to.
    public var symlinkTarget: String?
    public var tags: ObjectTagSet
    /// Nil in a bucket that never had versioning; `null` for a version written while it was suspended.
    public var versionId: String?

    public init(bucket: String, key: String, size: Int64, etag: String, lastModified: Int64, contentType: String,
                contentMD5: String?, crc64: UInt64, type: ObjectType, storageClass: StorageClass, acl: ObjectACL,
                headers: StoredHeaders, userMetadata: [MetadataEntry], extents: [Extent], symlinkTarget: String? = nil,
                tags: ObjectTagSet = ObjectTagSet(), versionId: String? = nil) {
        self.bucket = bucket
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
        self.contentMD5 = contentMD5
        self.crc64 = crc64
        self.type = type
        self.storageClass = storageClass
        self.acl = acl
        self.headers = headers
        self.userMetadata = userMetadata
        self.extents = extents
        self.symlinkTarget = symlinkTarget
        self.tags = tags
        self.versionId = versionId
    }

    /// The id that names this version in requests: an unversioned object is the `null` version.
    public var versionName: String { versionId ?? VersionID.null }

    public var summary: ObjectSummary {
        ObjectSummary(key: key, lastModified: lastModified, etag: etag, type: type, size: size, storageClass: storageClass)
    }
}

/// Aggregates for GetBucketStat.
public struct BucketStatistics: Sendable, Hashable {
    public var objectCount: Int64
    public var totalSize: Int64
    public var lastModified: Int64
    public var byStorageClass: [StorageClass: (count: Int64, size: Int64)]

    public init(objectCount: Int64, totalSize: Int64, lastModified: Int64,
                byStorageClass: [StorageClass: (count: Int64, size: Int64)]) {
        self.objectCount = objectCount
        self.totalSize = totalSize
        self.lastModified = lastModified
        self.byStorageClass = byStorageClass
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.objectCount == rhs.objectCount && lhs.totalSize == rhs.totalSize && lhs.lastModified == rhs.lastModified
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(objectCount)
        hasher.combine(totalSize)
    }
}
