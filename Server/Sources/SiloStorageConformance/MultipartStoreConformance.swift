import Crypto
import SiloCore
import SiloStorage

/// The behaviour every `MultipartStore` must show (spec §8), on a store that also keeps the objects a
/// complete makes. Each check gets a fresh, empty store.
public enum MultipartStoreConformance {
    public typealias Check = @Sendable (any StorageMetadata) async throws -> Void

    static func bucket(_ name: String) -> BucketRecord { ObjectStoreConformance.bucket(name) }

    public static let checks: [(name: String, run: Check)] = [
        ("uploadLifecycle", uploadLifecycle),
        ("partReplacementReleasesOldBytes", partReplacementReleasesOldBytes),
        ("completeValidation", completeValidation),
        ("completeAllAndOverwrite", completeAllAndOverwrite),
        ("abortAndFinality", abortAndFinality),
        ("uploadListing", uploadListing),
        ("staleUploads", staleUploads),
    ]

    public static let partSize: Int64 = 100 * 1024

    public static func upload(_ key: String, id: String, in bucket: String = "b", initiated: Int64 = 1_700_000_000,
                       forbidOverwrite: Bool = false) -> UploadRecord {
        UploadRecord(
            uploadId: id, bucket: bucket, key: key, initiated: initiated, contentType: "video/mp4", storageClass: .ia,
            acl: .publicRead, headers: StoredHeaders(cacheControl: "max-age=60"),
            userMetadata: [MetadataEntry("origin", "phone")], forbidOverwrite: forbidOverwrite,
            tags: ObjectTagSet([ResourceTag("source", "phone")]))
    }

    public static func part(_ number: Int, size: Int64 = partSize, etag: String? = nil, crc: UInt64 = 7, blob: BlobID = .random())
        -> PartRecord
    {
        PartRecord(partNumber: number, size: size, etag: etag ?? "ETAG\(number)", crc64: crc, lastModified: 1_700_000_100,
                   extents: [Extent(blob: blob, length: size)])
    }

    @discardableResult
    static func commit(_ store: any StorageMetadata, _ uploadId: String, _ part: PartRecord) async throws -> PartCommitOutcome {
        try await store.commitPart(uploadId: uploadId, part, newBlobs: Set(part.extents.map(\.blob)))
    }

    static func complete(_ store: any StorageMetadata, key: String = "k", _ uploadId: String, _ parts: [(Int, String)]?)
        async throws -> CompleteOutcome
    {
        try await store.completeUpload(
            bucket: "b", key: key, uploadId: uploadId, parts: parts?.map { CompletionPart(partNumber: $0.0, etag: $0.1) },
            minimumPartSize: partSize, lastModified: 1_700_000_200)
    }

    public static func uploadLifecycle(_ store: any StorageMetadata) async throws {
        try expect(!(try await store.createUpload(upload("k", id: "U1"))), "no upload without a bucket")
        _ = try await store.createBucket(bucket("b"))
        try expect(try await store.createUpload(upload("k", id: "U1")), "created")
        try expect(try await store.upload(bucket: "b", key: "k", uploadId: "U1") == upload("k", id: "U1"), "read back whole")
        try expect(try await store.upload(bucket: "b", key: "other", uploadId: "U1") == nil, "an upload belongs to its key")
        try expect(try await store.deleteBucket("b") == .notEmpty, "an upload keeps its bucket")

        let p1 = part(1, crc: CRC64.checksum(Array(repeating: 1, count: Int(partSize))))
        let p2 = part(2, crc: CRC64.checksum(Array(repeating: 2, count: Int(partSize))))
        let p3 = part(3, size: 10, crc: CRC64.checksum(Array(repeating: 3, count: 10)))
        for p in [p3, p1, p2] { try expect(try await commit(store, "U1", p) == .committed, "part \(p.partNumber)") }
        try expect(try await commit(store, "nope", part(1)) == .noSuchUpload, "part of an unknown upload")
        let listed = try await store.parts(uploadId: "U1", after: 0, limit: 1000)
        try expect(listed == [p1, p2, p3], "parts in number order, whole")
        try expect(try await store.parts(uploadId: "U1", after: 1, limit: 1).map(\.partNumber) == [2], "paging")

        // Part 2 left out: its bytes are released, the others become the object's extents.
        guard case .completed(let record) = try await complete(store, "U1", [(1, "\"etag1\""), (3, "ETAG3")]) else {
            throw ConformanceFailure("complete failed")
        }
        try expect(record.extents == p1.extents + p3.extents, "extents are the parts', in order")
        try expect(record.size == partSize + 10 && record.type == .multipart, "size and type")
        var md5 = Insecure.MD5()
        md5.update(data: Array("ETAG1ETAG3".utf8))
        try expect(record.etag == Hex.upper(md5.finalize()) + "-2", "multipart ETag, got \(record.etag)")
        let whole = Array(repeating: UInt8(1), count: Int(partSize)) + Array(repeating: 3, count: 10)
        try expect(record.crc64 == CRC64.checksum(whole), "combined CRC")
        try expect(record.contentType == "video/mp4" && record.acl == .publicRead && record.storageClass == .ia
                   && record.headers.cacheControl == "max-age=60" && record.userMetadata == [MetadataEntry("origin", "phone")]
                   && record.tags == ObjectTagSet([ResourceTag("source", "phone")]),
                   "attributes and tags come from initiate")
        try expect(try await store.object(bucket: "b", key: "k") == record, "the object is visible")
        try expect(try await store.upload(bucket: "b", key: "k", uploadId: "U1") == nil, "the upload is gone")
        try expect(try await store.parts(uploadId: "U1", after: 0, limit: 10).isEmpty, "its parts are gone")
        let released = try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10)
        try expect(released == p2.extents.map(\.blob), "only the unlisted part is released, got \(released)")
        try expect(try await store.isReferenced(p1.extents[0].blob), "the object holds its parts' bytes")
        _ = try await store.deleteObjects(bucket: "b", keys: ["k"])
        try expect(Set(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10))
                   == Set([p1, p2, p3].flatMap(\.extents).map(\.blob)), "deleting the object frees the rest")
        try expect(try await store.deleteBucket("b") == .deleted, "empty again")
    }

    public static func partReplacementReleasesOldBytes(_ store: any StorageMetadata) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createUpload(upload("k", id: "U1"))
        let first = part(1, etag: "A")
        let second = part(1, etag: "B")
        try await commit(store, "U1", first)
        try await commit(store, "U1", second)
        try expect(try await store.parts(uploadId: "U1", after: 0, limit: 10) == [second], "the last write wins")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10) == first.extents.map(\.blob),
                   "the replaced part's bytes are released")
        // A copied part shares an object's bytes; a released source cannot be named.
        let source = BlobID.random()
        try await ObjectStoreConformance.put(store, ObjectStoreConformance.object("src", blobs: [source], size: partSize))
        let copied = PartRecord(partNumber: 2, size: 50, etag: "C", crc64: 1, lastModified: 1,
                                extents: [Extent(blob: source, offset: 10, length: 50)])
        try expect(try await store.commitPart(uploadId: "U1", copied, newBlobs: []) == .committed, "copy part")
        _ = try await store.deleteObjects(bucket: "b", keys: ["src"])
        try expect(try await store.isReferenced(source), "the part keeps the copied bytes alive")
        let stale = BlobID.random()
        try await ObjectStoreConformance.put(store, ObjectStoreConformance.object("gone", blobs: [stale]))
        _ = try await store.deleteObjects(bucket: "b", keys: ["gone"])
        let fromReleased = PartRecord(partNumber: 3, size: 1, etag: "D", crc64: 1, lastModified: 1,
                                      extents: [Extent(blob: stale, length: 1)])
        try expect(try await store.commitPart(uploadId: "U1", fromReleased, newBlobs: []) == .sourceReleased,
                   "released bytes cannot be reused")
        try expect(try await store.parts(uploadId: "U1", after: 0, limit: 10).map(\.partNumber) == [1, 2], "nothing added")
    }

    public static func completeValidation(_ store: any StorageMetadata) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createUpload(upload("k", id: "U1"))
        try await commit(store, "U1", part(1, size: partSize - 1))
        try await commit(store, "U1", part(2))
        guard case .noSuchUpload = try await complete(store, "U9", [(1, "ETAG1")]) else {
            throw ConformanceFailure("unknown upload")
        }
        guard case .noSuchUpload = try await complete(store, key: "other", "U1", [(1, "ETAG1")]) else {
            throw ConformanceFailure("an upload completes only to its own key")
        }
        guard case .invalidPart(3) = try await complete(store, "U1", [(1, "ETAG1"), (3, "ETAG3")]) else {
            throw ConformanceFailure("a part never uploaded")
        }
        guard case .invalidPart(2) = try await complete(store, "U1", [(1, "ETAG1"), (2, "WRONG")]) else {
            throw ConformanceFailure("an ETag mismatch")
        }
        guard case .entityTooSmall(1) = try await complete(store, "U1", [(1, "ETAG1"), (2, "ETAG2")]) else {
            throw ConformanceFailure("a small part that is not last")
        }
        guard case .completed(let record) = try await complete(store, "U1", [(1, "ETAG1")]) else {
            throw ConformanceFailure("a small last part is fine")
        }
        try expect(record.size == partSize - 1, "one part")
        try expect(try await store.object(bucket: "b", key: "k")?.etag == record.etag, "visible")
    }

    public static func completeAllAndOverwrite(_ store: any StorageMetadata) async throws {
        _ = try await store.createBucket(bucket("b"))
        let old = BlobID.random()
        try await ObjectStoreConformance.put(store, ObjectStoreConformance.object("k", blobs: [old]))
        _ = try await store.createUpload(upload("k", id: "U1", forbidOverwrite: true))
        _ = try await store.createUpload(upload("k", id: "U2"))
        try await commit(store, "U1", part(1))
        guard case .fileAlreadyExists = try await complete(store, "U1", nil) else {
            throw ConformanceFailure("forbid-overwrite is checked at complete")
        }
        guard case .invalidPart = try await complete(store, "U2", nil) else {
            throw ConformanceFailure("completing all of nothing")
        }
        for number in [5, 2, 9] { try await commit(store, "U2", part(number)) }
        guard case .completed(let record) = try await complete(store, "U2", nil) else {
            throw ConformanceFailure("complete-all")
        }
        try expect(record.etag.hasSuffix("-3") && record.size == 3 * partSize, "every part, got \(record.etag)")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10) == [old], "the old object's bytes go")
        try expect(try await store.upload(bucket: "b", key: "k", uploadId: "U1") != nil, "the refused upload remains")
    }

    public static func abortAndFinality(_ store: any StorageMetadata) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createUpload(upload("k", id: "U1"))
        let p = part(1)
        try await commit(store, "U1", p)
        try expect(!(try await store.abortUpload(bucket: "b", key: "x", uploadId: "U1")), "abort needs the right key")
        try expect(try await store.abortUpload(bucket: "b", key: "k", uploadId: "U1"), "aborted")
        try expect(!(try await store.abortUpload(bucket: "b", key: "k", uploadId: "U1")), "only once")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10) == p.extents.map(\.blob), "parts freed")
        try expect(try await commit(store, "U1", part(2)) == .noSuchUpload, "no parts after abort")
        guard case .noSuchUpload = try await complete(store, "U1", [(1, "ETAG1")]) else {
            throw ConformanceFailure("no complete after abort")
        }
        _ = try await store.createUpload(upload("k", id: "U2"))
        try await commit(store, "U2", part(1))
        _ = try await complete(store, "U2", [(1, "ETAG1")])
        guard case .noSuchUpload = try await complete(store, "U2", [(1, "ETAG1")]) else {
            throw ConformanceFailure("no second complete")
        }
        try expect(!(try await store.abortUpload(bucket: "b", key: "k", uploadId: "U2")), "no abort after complete")
        try expect(try await store.object(bucket: "b", key: "k") != nil, "the completed object stays")
    }

    static func names(_ listing: UploadListing) -> [String] {
        listing.entries.map { entry in
            switch entry {
            case .upload(let upload): return upload.key + "#" + upload.uploadId
            case .commonPrefix(let prefix): return prefix
            }
        }
    }

    public static func uploadListing(_ store: any StorageMetadata) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createBucket(bucket("other"))
        let uploads = [("a", "02"), ("a", "01"), ("a/x", "03"), ("a/y", "04"), ("b", "05"), ("c/1", "06"), ("c/2", "07")]
        for (key, id) in uploads { _ = try await store.createUpload(upload(key, id: id)) }
        _ = try await store.createUpload(upload("a", id: "00", in: "other"))
        try expect(try await store.uploadCount(bucket: "b") == 7, "count")

        let all = try await store.listUploads(UploadListQuery(bucket: "b"))
        try expect(names(all) == ["a#01", "a#02", "a/x#03", "a/y#04", "b#05", "c/1#06", "c/2#07"] && !all.isTruncated,
                   "by key, then upload id; got \(names(all))")
        let page = try await store.listUploads(UploadListQuery(bucket: "b", limit: 2))
        try expect(names(page) == ["a#01", "a#02"] && page.isTruncated, "first page")
        let sameKey = try await store.listUploads(UploadListQuery(bucket: "b", keyMarker: "a", uploadIdMarker: "01", limit: 2))
        try expect(names(sameKey) == ["a#02", "a/x#03"], "upload-id-marker continues within the key, got \(names(sameKey))")
        let pastKey = try await store.listUploads(UploadListQuery(bucket: "b", keyMarker: "a", limit: 2))
        try expect(names(pastKey) == ["a/x#03", "a/y#04"], "key-marker alone skips the key, got \(names(pastKey))")
        let rolled = try await store.listUploads(UploadListQuery(bucket: "b", delimiter: "/"))
        try expect(names(rolled) == ["a#01", "a#02", "a/", "b#05", "c/"], "roll-up, got \(names(rolled))")
        let afterGroup = try await store.listUploads(UploadListQuery(bucket: "b", delimiter: "/", keyMarker: "a/", limit: 2))
        try expect(names(afterGroup) == ["b#05", "c/"] && !afterGroup.isTruncated, "a prefix marker skips its group, got \(names(afterGroup))")
        let prefixed = try await store.listUploads(UploadListQuery(bucket: "b", prefix: "c/"))
        try expect(names(prefixed) == ["c/1#06", "c/2#07"], "prefix, got \(names(prefixed))")
        let exactlyFull = try await store.listUploads(UploadListQuery(bucket: "b", prefix: "c/", limit: 2))
        try expect(!exactlyFull.isTruncated, "no phantom truncation")
    }

    public static func staleUploads(_ store: any StorageMetadata) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createUpload(upload("old", id: "01", initiated: 100))
        _ = try await store.createUpload(upload("new", id: "02", initiated: 200))
        try expect(try await store.claimStaleUploads(initiatedBefore: 100, lease: 60, limit: 10).isEmpty,
                   "strictly before the cutoff")
        try expect(try await store.claimStaleUploads(initiatedBefore: 150, lease: 60, limit: 10).map(\.uploadId) == ["01"],
                   "older only")
        try expect(try await store.claimStaleUploads(initiatedBefore: 150, lease: 60, limit: 10).isEmpty,
                   "a claimed upload is not handed out again while its lease runs")
        _ = try await store.createUpload(upload("other", id: "03", initiated: 120))
        try expect(try await store.claimStaleUploads(initiatedBefore: 150, lease: 0, limit: 10).map(\.uploadId) == ["03"],
                   "unclaimed uploads still are")
        try expect(try await store.claimStaleUploads(initiatedBefore: 150, lease: 60, limit: 10).map(\.uploadId) == ["03"],
                   "a lapsed claim is claimed again")
    }
}
