import SiloCore
import SiloStorage

/// Object workflows that take more than one store call: read-modify-write of an ACL, copies that re-read a
/// source released under them, symlinks that resolve to another object, and batch deletes authorized per key.
/// Every object they read or write on the caller's behalf is authorized here.
public struct ObjectWorkflows: Sendable {
    public let objects: ObjectService
    let access: AccessControl

    public init(objects: ObjectService, access: AccessControl) {
        self.objects = objects
        self.access = access
    }

    /// Sets an object's ACL (of one version when `versionId` is given), guarded by the version read so a
    /// concurrent overwrite is never undone.
    public func setACL(bucket: String, key: String, versionId: String? = nil, acl: ObjectACL) async throws {
        try await modify(bucket: bucket, key: key, versionId: versionId) { $0.acl = acl }
    }

    /// Replaces an object's tags (PutObjectTagging; DeleteObjectTagging with an empty set), guarded the same way.
    public func setTags(bucket: String, key: String, versionId: String? = nil, tags: ObjectTagSet) async throws {
        try await modify(bucket: bucket, key: key, versionId: versionId) { $0.tags = tags }
    }

    func modify(bucket: String, key: String, versionId: String?, _ change: (inout ObjectRecord) -> Void)
        async throws
    {
        try await objects.modifyAttributes(bucket: bucket, key: key, versionId: versionId, change)
    }

    /// Where a copy reads from, with its `x-oss-copy-source-if-*` conditions.
    public struct CopySource: Sendable {
        public var bucket: String
        public var key: String
        /// A version to copy instead of the current one (copying an old version over its key restores it).
        public var versionId: String?
        public var conditions: Preconditions

        public init(bucket: String, key: String, versionId: String? = nil, conditions: Preconditions) {
            self.bucket = bucket
            self.key = key
            self.versionId = versionId
            self.conditions = conditions
        }
    }

    /// The source object, once the caller may read it and its conditions hold.
    func load(_ source: CopySource, caller: Caller) async throws -> ObjectRecord {
        guard let bucket = try await objects.metadata.bucket(source.bucket) else {
            throw StorageError.noSuchBucket(source.bucket)
        }
        var record: ObjectRecord?
        var missing: StorageError?
        do {
            record = try await objects.version(bucket: bucket.name, key: source.key, versionId: source.versionId,
                                               versioned: bucket.versioning != nil)
        } catch let error as StorageError {
            missing = error
        }
        try await access.authorize(caller, action: source.versionId == nil ? "oss:GetObject" : "oss:GetObjectVersion",
                                   scope: .read, bucket: bucket, key: source.key, object: record)
        guard let record else { throw missing ?? StorageError.noSuchKey(source.key) }
        guard source.conditions.evaluateForCopy(etag: record.etag, lastModified: record.lastModified) else {
            throw StorageError.preconditionFailed
        }
        return record
    }

    /// CopyObject: the destination shares the source's extents. A source released between the read and the
    /// commit is read again once; then it is gone or stable.
    public func copy(_ source: CopySource, caller: Caller, to bucket: BucketRecord, key: String,
                     replacing attributes: ObjectAttributes?, acl: ObjectACL?, storageClass: StorageClass?,
                     tags: ObjectTagSet? = nil, encryption: String? = nil, forbidOverwrite: Bool) async throws
        -> ObjectRecord
    {
        for attempt in 0..<2 {
            let record = try await load(source, caller: caller)
            do {
                return try await objects.copy(from: record, to: bucket, key: key, replacing: attributes, acl: acl,
                                              storageClass: storageClass, tags: tags, encryption: encryption,
                                              forbidOverwrite: forbidOverwrite)
            } catch is SourceReleased where attempt == 0 {
                continue
            }
        }
        throw StorageError.noSuchKey(source.key)
    }

    /// UploadPartCopy: a part sharing (a range of) the source's extents; `range` resolves the requested range
    /// against the source's size. Answers the part, the range copied and the source's size.
    public func uploadPartCopy(_ source: CopySource, caller: Caller, bucket: String, key: String, uploadId: String,
                               partNumber: Int, range: @Sendable (Int64) throws -> Range<Int64>) async throws
        -> (part: PartRecord, range: Range<Int64>, sourceSize: Int64)
    {
        _ = try await objects.requireUpload(bucket: bucket, key: key, uploadId: uploadId)
        for attempt in 0..<2 {
            let record = try await load(source, caller: caller)
            let copied = try range(record.size)
            do {
                let part = try await objects.uploadPartCopy(bucket: bucket, key: key, uploadId: uploadId,
                                                            partNumber: partNumber, source: record, range: copied)
                return (part, copied, record.size)
            } catch is SourceReleased where attempt == 0 {
                continue
            }
        }
        throw StorageError.noSuchKey(source.key)
    }

    /// Reads of a symlink serve the target's bytes, size and ETag with the link's own type and metadata; the
    /// caller must be allowed to read the target too.
    public func resolveSymlink(_ object: ObjectRecord, bucket: BucketRecord, caller: Caller) async throws -> ObjectRecord {
        guard object.type == .symlink, let target = object.symlinkTarget else { return object }
        guard let resolved = try await objects.metadata.object(bucket: bucket.name, key: target), resolved.type != .symlink else {
            throw StorageError.symlinkTargetMissing(object.key)
        }
        try await access.authorize(caller, action: "oss:GetObject", scope: .read, bucket: bucket, key: target, object: resolved)
        var merged = resolved
        merged.key = object.key
        merged.type = .symlink
        merged.contentType = object.contentType == MimeTypes.fallback ? resolved.contentType : object.contentType
        if !object.userMetadata.isEmpty { merged.userMetadata = object.userMetadata }
        merged.tags = object.tags
        return merged
    }

    /// DeleteMultipleObjects: each key is authorized (against its own ACL for anonymous callers) before any is
    /// deleted, so one refusal refuses the whole request and nothing is half done.
    /// Entries naming a version delete it for good (`oss:DeleteObjectVersion`); the others delete the key (in a
    /// versioned bucket: put a delete marker over it).
    public func delete(_ targets: [(key: String, versionId: String?)], in bucket: BucketRecord, caller: Caller) async throws
        -> [DeleteOutcome]
    {
        for target in targets {
            let existing = caller.isAnonymous ? try await objects.metadata.object(bucket: bucket.name, key: target.key) : nil
            try await access.authorize(caller, action: target.versionId == nil ? "oss:DeleteObject" : "oss:DeleteObjectVersion",
                                       scope: .write, bucket: bucket, key: target.key, object: existing)
        }
        let keys = targets.filter { $0.versionId == nil }.map(\.key)
        let versions = targets.compactMap { target in target.versionId.map { (key: target.key, versionId: $0) } }
        var outcomes: [DeleteOutcome] = []
        if !keys.isEmpty { outcomes += try await objects.delete(bucket: bucket.name, keys: keys).map(DeleteOutcome.key) }
        if !versions.isEmpty {
            outcomes += try await objects.deleteVersions(bucket: bucket.name, versions).map(DeleteOutcome.version)
        }
        return outcomes
    }

    /// Every object under `prefix` (a console's "delete folder"): listing needs `oss:ListObjects`, and each page of
    /// 1,000 keys is deleted as one DeleteMultipleObjects, each key authorized, so a refusal stops before that page.
    /// Answers how many keys were deleted.
    public func deletePrefix(_ prefix: String, in bucket: BucketRecord, caller: Caller) async throws -> Int {
        try await access.authorize(caller, action: "oss:ListObjects", scope: .read, bucket: bucket)
        var deleted = 0
        while true {
            let listing = try await objects.metadata.listObjects(ListQuery(bucket: bucket.name, prefix: prefix, limit: 1000))
            let keys = listing.entries.compactMap { entry -> String? in
                if case .object(let summary) = entry { return summary.key }
                return nil
            }
            guard !keys.isEmpty else { return deleted }
            _ = try await delete(keys.map { (key: $0, versionId: nil) }, in: bucket, caller: caller)
            deleted += keys.count
            if !listing.isTruncated { return deleted }
        }
    }

    public enum DeleteOutcome: Sendable, Hashable {
        case key(KeyDeletion)
        case version(VersionDeletion)
    }
}
