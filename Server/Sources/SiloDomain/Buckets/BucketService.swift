import SiloCore
import SiloPolicy
import SiloStorage

/// Buckets: their lifecycle and configuration. Names and documents arrive validated by the front end.
public struct BucketService: Sendable {
    let store: any ObjectStore
    let multipart: any MultipartStore
    let accountId: String
    let clock: @Sendable () -> Int64

    public init(store: any ObjectStore, multipart: any MultipartStore, accountId: String,
                clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.multipart = multipart
        self.accountId = accountId
        self.clock = clock
    }

    /// The bucket, or `noSuchBucket`.
    public func require(_ name: String) async throws -> BucketRecord {
        guard let bucket = try await store.bucket(name) else { throw StorageError.noSuchBucket(name) }
        return bucket
    }

    public func find(_ name: String) async throws -> BucketRecord? { try await store.bucket(name) }

    /// What a bucket of this name would be if this account created it now: for authorizing PutBucket.
    public func proposed(_ name: String) -> BucketRecord {
        BucketRecord(name: name, owner: accountId, createdAt: 0, acl: .private, storageClass: .standard)
    }

    /// Creates the bucket; re-creating one's own bucket succeeds and changes nothing, as oss2's fixtures expect.
    public func create(_ name: String, acl: BucketACL, storageClass: StorageClass) async throws {
        let record = BucketRecord(name: name, owner: accountId, createdAt: clock(), acl: acl, storageClass: storageClass)
        let (existing, created) = try await store.createBucket(record)
        if !created && existing.owner != accountId { throw StorageError.bucketAlreadyExists(name) }
    }

    public func delete(_ name: String) async throws {
        switch try await store.deleteBucket(name) {
        case .deleted: return
        case .notEmpty: throw StorageError.bucketNotEmpty(name)
        case .notFound: throw StorageError.noSuchBucket(name)
        }
    }

    public func update(_ name: String, _ update: BucketUpdate) async throws {
        guard try await store.updateBucket(name, update) else { throw StorageError.noSuchBucket(name) }
    }

    /// PutBucketCors: the rules are checked whole before they replace the bucket's.
    public func setCORS(_ name: String, _ cors: CORSConfiguration) async throws {
        try cors.validate()
        try await update(name, .cors(cors))
    }

    /// PutBucketPolicy: stored as written, once it parses as a policy document.
    public func setPolicy(_ name: String, document: [UInt8]) async throws {
        do {
            _ = try Policy(jsonBytes: document)
        } catch {
            throw StorageError.invalidPolicy("\(error)")
        }
        try await update(name, .policy(String(decoding: document, as: UTF8.self)))
    }

    public struct Statistics: Sendable {
        public var objects: BucketStatistics
        public var multipartUploads: Int64
    }

    public func statistics(_ name: String) async throws -> Statistics {
        Statistics(objects: try await store.statistics(bucket: name), multipartUploads: try await multipart.uploadCount(bucket: name))
    }

    /// DeleteBucketTags: all tags, or only those whose keys are named.
    public func deleteTags(_ name: String, keys: Set<String>?) async throws {
        guard let keys else { return try await update(name, .tags([])) }
        let bucket = try await require(name)
        try await update(name, .tags(bucket.tags.filter { !keys.contains($0.key) }))
    }

    /// Which buckets a listing keeps: those with a tag of this key (and, when given, this value).
    public struct TagFilter: Sendable {
        public var key: String
        public var value: String?

        public init(key: String, value: String?) {
            self.key = key
            self.value = value
        }

        func matches(_ bucket: BucketRecord) -> Bool {
            bucket.tags.contains { $0.key == key && (value == nil || $0.value == value) }
        }
    }

    /// Buckets after `marker` starting with `prefix` (and matching `tag`), at most `limit`, and whether more remain.
    public func list(prefix: String, after marker: String, limit: Int, tag: TagFilter? = nil) async throws
        -> (buckets: [BucketRecord], truncated: Bool)
    {
        guard let tag else {
            let buckets = try await store.listBuckets(prefix: prefix, after: marker, limit: limit + 1)
            return (Array(buckets.prefix(limit)), buckets.count > limit)
        }
        // The filter runs on pages of the name order until the page is full, so paging stays by name.
        var kept: [BucketRecord] = []
        var position = marker
        while kept.count <= limit {
            let page = try await store.listBuckets(prefix: prefix, after: position, limit: 1000)
            kept += page.filter(tag.matches)
            guard page.count == 1000, let last = page.last else { break }
            position = last.name
        }
        return (Array(kept.prefix(limit)), kept.count > limit)
    }
}
