import Crypto
import Foundation
import NIOCore
import SiloCore

/// The attributes a write request sets on an object.
public struct ObjectAttributes: Sendable, Hashable {
    public var contentType: String?
    public var storageClass: StorageClass?
    public var acl: ObjectACL
    public var headers: StoredHeaders
    public var userMetadata: [MetadataEntry]
    public var tags: ObjectTagSet

    public init(contentType: String? = nil, storageClass: StorageClass? = nil, acl: ObjectACL = .default,
                headers: StoredHeaders = StoredHeaders(), userMetadata: [MetadataEntry] = [],
                tags: ObjectTagSet = ObjectTagSet()) {
        self.contentType = contentType
        self.storageClass = storageClass
        self.acl = acl
        self.headers = headers
        self.userMetadata = userMetadata
        self.tags = tags
    }
}

/// Object writes that keep bytes and metadata consistent: a blob is durable before metadata names it,
/// metadata commits atomically, and a blob no version refers to any more is released to the collector.
public struct ObjectService: Sendable {
    public static let maxObjectSize: Int64 = 5 * 1024 * 1024 * 1024

    public let metadata: any StorageMetadata
    public let blobs: any BlobStore
    public let clock: @Sendable () -> Int64
    /// Replaced and deleted objects, announced after commit.
    public let changes: ObjectChangeFeed

    /// The metadata store, when it can carry small blobs' bytes in the commit that names them.
    let journal: (any BlobJournalStore)?

    public init(metadata: any StorageMetadata, blobs: any BlobStore,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                changes: ObjectChangeFeed = ObjectChangeFeed()) {
        self.metadata = metadata
        self.blobs = blobs
        self.clock = clock
        self.changes = changes
        journal = metadata.blobJournal
    }

    /// Streams a body into a new blob; the caller commits or discards it.
    /// `sealed` encrypts it at rest (SSE-OSS) with a data key of its own.
    /// `journaled`: a small plaintext body may be left unsynced, its bytes in `BlobDigest.journal` for the commit.
    public func stage<Body: AsyncSequence & Sendable>(_ body: Body, expectedLength: Int64?, contentMD5: String?,
                                                      sealed: Bool = false, journaled: Bool = false)
        async throws -> BlobDigest where Body.Element == ByteBuffer
    {
        let limit = min(expectedLength ?? Self.maxObjectSize, Self.maxObjectSize)
        if let expectedLength, expectedLength > Self.maxObjectSize { throw StorageError.tooLarge }
        let digest: BlobDigest
        do {
            if sealed {
                guard let sealing = blobs as? SealingBlobStore else { throw SealedBlobError.unavailable }
                digest = try await sealing.writeSealed(body, limit: limit)
            } else if journaled {
                digest = try await blobs.writeJournaled(body, limit: limit)
            } else {
                digest = try await blobs.write(body, limit: limit)
            }
        } catch BlobWriteError.tooLarge {
            throw expectedLength == nil ? StorageError.tooLarge : StorageError.bodyLongerThanAnnounced
        }
        if let expectedLength, digest.size != expectedLength {
            await blobs.discard(digest.blob)
            throw StorageError.incompleteBody(expected: expectedLength, received: digest.size)
        }
        if let contentMD5, contentMD5 != Data(digest.md5).base64EncodedString() {
            await blobs.discard(digest.blob)
            throw StorageError.digestMismatch
        }
        return digest
    }

    /// PutObject: stage, commit (honouring forbid-overwrite), publish.
    public func put<Body: AsyncSequence & Sendable>(
        bucket: BucketRecord, key: String, body: Body, expectedLength: Int64?, contentMD5: String?,
        attributes: ObjectAttributes, forbidOverwrite: Bool
    ) async throws -> ObjectRecord where Body.Element == ByteBuffer {
        if forbidOverwrite, try await metadata.object(bucket: bucket.name, key: key) != nil {
            throw StorageError.objectExists(key)
        }
        let digest = try await stage(body, expectedLength: expectedLength, contentMD5: contentMD5,
                                     sealed: attributes.headers.serverSideEncryption != nil, journaled: journal != nil)
        var record = ObjectRecord(
            bucket: bucket.name, key: key, size: digest.size, etag: Hex.upper(digest.md5), lastModified: clock(),
            contentType: attributes.contentType ?? MimeTypes.fallback,
            contentMD5: Data(digest.md5).base64EncodedString(), crc64: digest.crc64, type: .normal,
            storageClass: attributes.storageClass ?? bucket.storageClass, acl: attributes.acl,
            headers: attributes.headers, userMetadata: attributes.userMetadata, extents: [digest.extent],
            tags: attributes.tags)
        do {
            record.versionId = try await commit(record, newBlobs: [digest.blob],
                                                condition: forbidOverwrite ? .mustNotExist : .none,
                                                journal: digest.journal.map { [JournaledBlob(blob: digest.blob, bytes: $0)] } ?? [])
        } catch is ConditionFailure {
            throw StorageError.objectExists(key)
        }
        return record
    }

    /// Commits a record whose new blobs are staged, then publishes them; on failure the staged blobs go. Answers
    /// the version id the bucket's versioning gave it.
    @discardableResult
    public func commit(_ record: ObjectRecord, newBlobs: Set<BlobID>, condition: WriteCondition,
                       journal journaled: [JournaledBlob] = []) async throws -> String? {
        let outcome: CommitOutcome
        do {
            if journaled.isEmpty {
                outcome = try await metadata.commitObject(record, newBlobs: newBlobs, condition: condition)
            } else {
                // Only `put` journals, and only when `journal` is set.
                guard let journal else { throw BlobJournalUnsupported() }
                outcome = try await journal.commitObject(record, newBlobs: newBlobs, condition: condition, journal: journaled)
            }
        } catch {
            for blob in newBlobs { await blobs.discard(blob) }
            throw error
        }
        switch outcome {
        case .committed(let versionId):
            // A journaled blob stays staged (readers find it there) until the checkpoint publishes it with the
            // rest of its second: one hop fewer before the answer.
            let journaledBlobs = Set(journaled.map(\.blob))
            await blobs.publish(newBlobs.filter { !journaledBlobs.contains($0) })
            changes.changed(bucket: record.bucket, key: record.key)
            return versionId
        case .noSuchBucket:
            for blob in newBlobs { await blobs.discard(blob) }
            throw StorageError.noSuchBucket(record.bucket)
        case .conditionFailed(let current):
            for blob in newBlobs { await blobs.discard(blob) }
            throw ConditionFailure(current: current)
        case .sourceReleased:
            for blob in newBlobs { await blobs.discard(blob) }
            throw SourceReleased()
        }
    }

    /// AppendObject: the new bytes become one more extent; the CRC is combined, never recomputed. `attributes`
    /// apply only when the append creates the object, and `creationTags` is read only then (OSS ignores the
    /// tagging of later appends, even when it is invalid), before the body.
    public func append<Body: AsyncSequence & Sendable>(
        bucket: BucketRecord, key: String, position: Int64, body: Body, expectedLength: Int64?, contentMD5: String?,
        attributes: ObjectAttributes, creationTags: () throws -> ObjectTagSet = { ObjectTagSet() }
    ) async throws -> ObjectRecord where Body.Element == ByteBuffer {
        let current = try await metadata.object(bucket: bucket.name, key: key)
        try Self.checkAppendable(current, position: position)
        let tags = current == nil ? try creationTags() : ObjectTagSet()
        // An appendable object stays as it was created: encrypted or not, whatever later appends ask.
        let sealed = (current?.headers ?? attributes.headers).serverSideEncryption != nil
        let digest = try await stage(body, expectedLength: expectedLength, contentMD5: contentMD5, sealed: sealed)
        if let current, current.size + digest.size > Self.maxObjectSize {
            await blobs.discard(digest.blob)
            throw StorageError.tooLarge
        }
        var record: ObjectRecord
        if let current {
            record = current
            record.size += digest.size
            record.crc64 = CRC64.combine(current.crc64, digest.crc64, length2: UInt64(digest.size))
            if digest.size > 0 { record.extents.append(digest.extent) }
        } else {
            record = ObjectRecord(
                bucket: bucket.name, key: key, size: digest.size, etag: "", lastModified: 0,
                contentType: attributes.contentType ?? MimeTypes.fallback, contentMD5: nil, crc64: digest.crc64,
                type: .appendable, storageClass: attributes.storageClass ?? bucket.storageClass, acl: attributes.acl,
                headers: attributes.headers, userMetadata: attributes.userMetadata,
                extents: digest.size > 0 ? [digest.extent] : [], tags: tags)
        }
        record.lastModified = clock()
        record.etag = Self.appendableETag(crc: record.crc64, size: record.size)
        let newBlobs: Set<BlobID> = digest.size > 0 ? [digest.blob] : []
        if digest.size == 0 { await blobs.discard(digest.blob) }
        do {
            record.versionId = try await commit(record, newBlobs: newBlobs,
                                                condition: .currentVersion(current.map(ObjectVersion.init)))
        } catch let failure as ConditionFailure {
            // Another append or a PUT won the race: report the position it left.
            try Self.checkAppendable(failure.current, position: position)
            throw StorageError.positionMismatch(currentLength: failure.current?.size ?? 0)
        }
        return record
    }

    static func checkAppendable(_ current: ObjectRecord?, position: Int64) throws {
        if let current {
            guard current.type == .appendable else { throw StorageError.notAppendable(current.key) }
            guard current.size == position else { throw StorageError.positionMismatch(currentLength: current.size) }
        } else if position != 0 {
            throw StorageError.positionMismatch(currentLength: 0)
        }
    }

    /// Appendable objects have no whole-content MD5; this is stable per content and changes with every append.
    static func appendableETag(crc: UInt64, size: Int64) -> String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(crc) + hex(UInt64(size))
    }

    /// CopyObject: the destination shares the source's extents; no bytes move.
    /// `tags` replaces the source's tags when given (`x-oss-tagging-directive: Replace`).
    public func copy(
        from source: ObjectRecord, to bucket: BucketRecord, key: String, replacing attributes: ObjectAttributes?,
        acl: ObjectACL?, storageClass: StorageClass?, tags: ObjectTagSet? = nil, encryption: String? = nil,
        forbidOverwrite: Bool
    ) async throws -> ObjectRecord {
        var record = source
        record.bucket = bucket.name
        record.key = key
        record.lastModified = clock()
        if source.type == .appendable {
            // A copy is a Normal object; only the ETag of Normal objects is an MD5, which we lack here.
            record.type = .normal
        }
        if let attributes {
            record.contentType = attributes.contentType ?? MimeTypes.fallback
            record.headers = attributes.headers
            record.userMetadata = attributes.userMetadata
        }
        record.acl = acl ?? .default
        if let tags { record.tags = tags }
        // The destination is encrypted as the copy asks (or its bucket's default), never as the source was.
        record.headers.serverSideEncryption = encryption
        var newBlobs: Set<BlobID> = []
        if encryption != nil, source.extents.contains(where: { $0.sealing == nil }), source.size > 0 {
            // Plaintext bytes are never named by an encrypted object: they are copied, sealed.
            let reader = try await blobs.reader(for: source.extents)
            let digest: BlobDigest
            do {
                digest = try await stage(RangeStream(reader: reader, range: 0..<source.size), expectedLength: source.size,
                                         contentMD5: nil, sealed: true)
            } catch {
                await reader.close()
                throw error
            }
            await reader.close()
            record.extents = [digest.extent]
            newBlobs = [digest.blob]
        }
        record.storageClass = storageClass ?? (attributes?.storageClass ?? source.storageClass)
        // Copying an old version over its key restores it as a new version: no condition on the current one.
        let isSelf = source.bucket == bucket.name && source.key == key && source.versionId == nil
        let condition: WriteCondition =
            forbidOverwrite && !isSelf ? .mustNotExist : (isSelf ? .currentVersion(ObjectVersion(source)) : .none)
        do {
            record.versionId = try await commit(record, newBlobs: newBlobs, condition: condition)
        } catch is ConditionFailure {
            if forbidOverwrite && !isSelf { throw StorageError.objectExists(key) }
            throw SourceReleased()
        }
        return record
    }

    /// PutSymlink: a zero-byte object whose reads resolve to `target` in the same bucket.
    public func putSymlink(bucket: BucketRecord, key: String, target: String, attributes: ObjectAttributes,
                           forbidOverwrite: Bool) async throws -> ObjectRecord {
        var record = ObjectRecord(
            bucket: bucket.name, key: key, size: 0, etag: Hex.upper(Insecure.MD5.hash(data: Array(target.utf8))),
            lastModified: clock(), contentType: attributes.contentType ?? MimeTypes.fallback, contentMD5: nil, crc64: 0,
            type: .symlink, storageClass: attributes.storageClass ?? bucket.storageClass, acl: attributes.acl,
            headers: attributes.headers, userMetadata: attributes.userMetadata, extents: [], symlinkTarget: target,
            tags: attributes.tags)
        do {
            record.versionId = try await commit(record, newBlobs: [], condition: forbidOverwrite ? .mustNotExist : .none)
        } catch is ConditionFailure {
            throw StorageError.objectExists(key)
        }
        return record
    }

    /// The version a read names: the current one when `versionId` is nil. A key whose newest entry is a delete
    /// marker, or a version id naming one, is answered with the marker. `versioned: false` (a bucket that never had
    /// versioning, so has no markers) spares a missing key the look for one.
    public func version(bucket: String, key: String, versionId: String?, versioned: Bool = true) async throws
        -> ObjectRecord
    {
        guard let versionId else {
            if let current = try await metadata.object(bucket: bucket, key: key) { return current }
            if versioned, let marker = try await metadata.latestDeleteMarker(bucket: bucket, key: key) {
                throw StorageError.deleteMarker(marker)
            }
            throw StorageError.noSuchKey(key)
        }
        guard VersionID.isWellFormed(versionId) else { throw StorageError.invalidVersionId }
        switch try await metadata.objectVersion(bucket: bucket, key: key, versionId: versionId) {
        case .object(let record)?: return record
        case .deleteMarker(let marker)?: throw StorageError.deleteMarker(marker)
        case nil: throw StorageError.noSuchVersion(versionId)
        }
    }

    /// A read-modify-write of a stored version's ACL and tags that keeps its bytes and makes no new version,
    /// retried when another write (of the object or of its attributes) landed in between.
    public func modifyAttributes(bucket: String, key: String, versionId: String?,
                                 _ change: (inout ObjectRecord) -> Void) async throws {
        for _ in 0..<3 {
            var object = try await version(bucket: bucket, key: key, versionId: versionId)
            let expected = ObjectVersion(object)
            change(&object)
            if try await metadata.updateAttributes(bucket: bucket, key: key, versionId: versionId, expected: expected,
                                                   acl: object.acl, tags: object.tags,
                                                   storageClass: object.storageClass) {
                changes.changed(bucket: bucket, key: key)
                return
            }
        }
        throw StorageError.contended
    }

    /// Deletes keys (in a versioned bucket: puts delete markers over them).
    @discardableResult
    public func delete(bucket: String, keys: [String]) async throws -> [KeyDeletion] {
        guard let deleted = try await metadata.deleteObjects(bucket: bucket, keys: keys) else {
            throw StorageError.noSuchBucket(bucket)
        }
        for key in keys { changes.changed(bucket: bucket, key: key) }
        return deleted
    }

    /// Deletes versions for good.
    public func deleteVersions(bucket: String, _ targets: [(key: String, versionId: String)]) async throws
        -> [VersionDeletion]
    {
        guard let deleted = try await metadata.deleteVersions(bucket: bucket, targets) else {
            throw StorageError.noSuchBucket(bucket)
        }
        for target in targets { changes.changed(bucket: bucket, key: target.key) }
        return deleted
    }
}

/// A commit's condition did not hold; `current` is the object now stored.
public struct ConditionFailure: Error, Sendable {
    public var current: ObjectRecord?
}

/// A copy's source changed or vanished while it was being copied.
public struct SourceReleased: Error, Sendable {}
