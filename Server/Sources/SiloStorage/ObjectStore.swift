import SiloCore

/// Object storage's metadata, one concern per protocol so a backend is written (and checked by its own
/// conformance suite) one concern at a time: `ObjectStore` (buckets, object manifests, blob references) and
/// `MultipartStore` (uploads and parts). Identity (`IAMStore`) belongs to SiloIAM and image styles
/// (`ImageStyleStore`) to SiloDomain, the modules that use them. Jobs and events will be stores of their own.
public typealias StorageMetadata = ObjectStore & MultipartStore

/// Buckets, object manifests, and the reference counts that tell the collector which blobs are free. Every
/// mutation is one atomic, durable transaction.
public protocol ObjectStore: Sendable {
    // MARK: buckets
    /// Inserts the bucket; returns the existing record instead when the name is taken.
    func createBucket(_ bucket: BucketRecord) async throws -> (record: BucketRecord, created: Bool)
    func bucket(_ name: String) async throws -> BucketRecord?
    /// Buckets by name, strictly after `marker`, starting with `prefix`.
    func listBuckets(prefix: String, after marker: String, limit: Int) async throws -> [BucketRecord]
    /// Applies `update` to the bucket in one transaction; false when it does not exist.
    func updateBucket(_ name: String, _ update: BucketUpdate) async throws -> Bool
    func deleteBucket(_ name: String) async throws -> BucketDeletion
    func statistics(bucket: String) async throws -> BucketStatistics

    // MARK: objects
    func object(bucket: String, key: String) async throws -> ObjectRecord?
    /// Writes `record` if `condition` holds against the current object, releasing the blobs the old version
    /// alone referenced. `newBlobs` were just written; every other blob in `record.extents` must still be live.
    func commitObject(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition) async throws
        -> CommitOutcome
    /// Deletes the objects (missing keys are fine); nil when the bucket does not exist. In a versioned bucket the
    /// current version becomes non-current and a delete marker is added (replacing the `null` version when
    /// versioning is suspended).
    func deleteObjects(bucket: String, keys: [String]) async throws -> [KeyDeletion]?
    /// Deletes the object only while it is still `version`: true when it did. Lifecycle expiration uses it, so an
    /// object rewritten after a rule selected it is never deleted for what it used to be.
    func deleteObject(bucket: String, key: String, ifVersion version: ObjectVersion) async throws -> Bool
    func listObjects(_ query: ListQuery) async throws -> ObjectListing

    // MARK: versions
    /// The version named, current or not; `null` names the version an unversioned or suspended write made.
    func objectVersion(bucket: String, key: String, versionId: String) async throws -> StoredVersion?
    /// The key's newest entry when it is a delete marker (its reads answer 404 naming the marker).
    func latestDeleteMarker(bucket: String, key: String) async throws -> DeleteMarker?
    /// Removes versions for good (missing ones are fine); when the current one goes, the newest remaining
    /// version becomes current. Nil when the bucket does not exist.
    func deleteVersions(bucket: String, _ targets: [(key: String, versionId: String)]) async throws -> [VersionDeletion]?
    /// Sets the ACL, tags and storage class of one version (the current one when `versionId` is nil) while it is
    /// still `expected`, without making a new version: false when it changed or is gone.
    func updateAttributes(bucket: String, key: String, versionId: String?, expected: ObjectVersion, acl: ObjectACL,
                          tags: ObjectTagSet, storageClass: StorageClass) async throws -> Bool
    func listVersions(_ query: VersionListQuery) async throws -> VersionListing

    // MARK: blob lifecycle
    /// Whether committed metadata refers to the blob.
    func isReferenced(_ blob: BlobID) async throws -> Bool
    /// Blobs released at least `olderThan` seconds before `now`, oldest first.
    func releasedBlobs(releasedBefore cutoff: Int64, limit: Int) async throws -> [BlobID]
    /// Claims up to `limit` blobs released before `cutoff` for `lease` seconds, oldest first: collectors on other
    /// gateways skip claimed blobs, and a claim that is not followed by `forgetReleased` lapses.
    func claimReleasedBlobs(releasedBefore cutoff: Int64, lease: Int64, limit: Int) async throws -> [BlobID]
    /// Forgets blobs whose files the collector removed.
    func forgetReleased(_ blobs: [BlobID]) async throws
    /// Every blob id metadata refers to or has released but not yet forgotten.
    func knownBlobs() async throws -> Set<BlobID>

    /// The store's blob journal, when it can commit small blobs' bytes with the object that names them (ARCHITECTURE,
    /// write path): the writer, the checkpoint and recovery all ask here, so they agree on whether there is one.
    var blobJournal: (any BlobJournalStore)? { get }
}

extension ObjectStore {
    public var blobJournal: (any BlobJournalStore)? { nil }
}

public enum BucketUpdate: Sendable {
    case acl(BucketACL)
    case cors(CORSConfiguration?)
    case policy(String?)
    case tags([ResourceTag])
    case lifecycle(LifecycleConfiguration?)
    case referer(RefererConfiguration?)
    case notifications(NotificationConfiguration?)
    case versioning(VersioningStatus)
    case encryption(String?)
}

public enum BucketDeletion: Sendable, Hashable {
    case deleted
    case notEmpty
    case notFound
}

/// Guards a commit against what is stored now.
public enum WriteCondition: Sendable, Hashable {
    case none
    /// `x-oss-forbid-overwrite: true`.
    case mustNotExist
    /// Optimistic concurrency: the current object must still be this version (nil: still absent).
    case currentVersion(ObjectVersion?)
}

/// Identifies one stored version of an object well enough to detect a concurrent change.
public struct ObjectVersion: Sendable, Hashable {
    public var etag: String
    public var size: Int64
    public var lastModified: Int64
    /// The attributes a read-modify-write changes without a new version (PutObjectAcl, PutObjectTagging): part of
    /// the version, so two such writes racing never undo each other.
    public var acl: ObjectACL
    public var tags: ObjectTagSet
    public var storageClass: StorageClass
    public var versionId: String?

    public init(_ record: ObjectRecord) {
        etag = record.etag
        size = record.size
        lastModified = record.lastModified
        acl = record.acl
        tags = record.tags
        storageClass = record.storageClass
        versionId = record.versionId
    }
}

public enum CommitOutcome: Sendable, Hashable {
    /// Stored; `versionId` is the id the bucket's versioning state gave the new version (nil when unversioned).
    case committed(versionId: String?)
    case noSuchBucket
    /// The condition did not hold; `current` is what is stored now.
    case conditionFailed(current: ObjectRecord?)
    /// A reused blob (a copy's source) was released meanwhile; re-read the source and retry.
    case sourceReleased
}

public struct ListQuery: Sendable, Hashable {
    public var bucket: String
    public var prefix: String
    public var delimiter: String?
    /// The cursor: list what comes strictly after this in the listing's order (greater keys, or smaller ones when
    /// `descending`). A marker that is a rolled-up prefix, or lies inside one, skips that whole group.
    public var after: String?
    public var limit: Int
    /// Largest key first. OSS's API lists only ascending; the console sorts a bucket by name both ways, and a
    /// reversed page of an ascending listing would not be the bucket's last names.
    public var descending: Bool

    public init(bucket: String, prefix: String = "", delimiter: String? = nil, after: String? = nil, limit: Int = 1000,
                descending: Bool = false) {
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.after = after
        self.limit = limit
        self.descending = descending
    }
}

/// Objects and common prefixes together, in the query's key order, at most `limit` entries.
public struct ObjectListing: Sendable {
    public enum Entry: Sendable {
        case object(ObjectSummary)
        case commonPrefix(String)

        public var sortKey: String {
            switch self {
            case .object(let summary): return summary.key
            case .commonPrefix(let prefix): return prefix
            }
        }
    }

    public var entries: [Entry]
    /// Whether entries past the last one remain.
    public var isTruncated: Bool

    public init(entries: [Entry], isTruncated: Bool) {
        self.entries = entries
        self.isTruncated = isTruncated
    }

    public var page: ListingPage {
        var objects: [ObjectSummary] = []
        var prefixes: [String] = []
        for entry in entries {
            switch entry {
            case .object(let summary): objects.append(summary)
            case .commonPrefix(let prefix): prefixes.append(prefix)
            }
        }
        return ListingPage(objects: objects, commonPrefixes: prefixes, nextMarker: isTruncated ? entries.last?.sortKey : nil)
    }
}
