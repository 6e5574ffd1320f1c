import SiloCore
import SiloStorage

/// What every `ObjectStore` must do with versions: history kept while enabled, delete markers, the `null`
/// version while suspended, permanent deletes that promote the next version, attribute changes that make no
/// version, references kept by every version, and listing in key order, newest first.
extension ObjectStoreConformance {
    static func versionIds(_ listing: VersionListing) -> [String] {
        listing.entries.compactMap { entry in
            if case .version(let version, _) = entry { return version.versionId }
            return nil
        }
    }

    @discardableResult
    static func putVersion(_ store: any ObjectStore, _ key: String, blob: BlobID, etag: String) async throws -> String? {
        guard case .committed(let versionId) = try await put(store, object(key, blobs: [blob], etag: etag)) else {
            throw ConformanceFailure("\(key) was not committed")
        }
        return versionId
    }

    public static func versioningKeepsHistory(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let (a, b, c) = (BlobID.random(), BlobID.random(), BlobID.random())
        let unversioned = try await putVersion(store, "k", blob: a, etag: "A")
        try expect(unversioned == nil, "an unversioned bucket gives no version id")
        try expect(try await store.updateBucket("b", .versioning(.enabled)), "versioning enabled")
        let v2 = try await putVersion(store, "k", blob: b, etag: "B")
        let v3 = try await putVersion(store, "k", blob: c, etag: "C")
        guard let v2, let v3, v2 != v3, VersionID.isWellFormed(v2), v2 != VersionID.null else {
            throw ConformanceFailure("enabled writes get distinct version ids: \(String(describing: v2)) \(String(describing: v3))")
        }
        try expect(try await store.object(bucket: "b", key: "k")?.versionId == v3, "the newest write is current")
        let keptA = try await store.isReferenced(a)
        let keptB = try await store.isReferenced(b)
        try expect(keptA && keptB, "older versions keep their blobs")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10).isEmpty, "nothing released")
        // The write before versioning is the null version.
        guard case .object(let old)? = try await store.objectVersion(bucket: "b", key: "k", versionId: VersionID.null),
              old.etag == "A"
        else { throw ConformanceFailure("the pre-versioning object is the null version") }
        let listing = try await store.listVersions(VersionListQuery(bucket: "b"))
        try expect(versionIds(listing) == [v3, v2, VersionID.null], "newest first: \(versionIds(listing))")
        if case .version(_, let isLatest)? = listing.entries.first { try expect(isLatest, "only the first is latest") }

        // ACL, tags and storage class change in place.
        guard case .object(let second)? = try await store.objectVersion(bucket: "b", key: "k", versionId: v2) else {
            throw ConformanceFailure("version \(v2) readable")
        }
        try expect(try await store.updateAttributes(bucket: "b", key: "k", versionId: v2, expected: ObjectVersion(second),
                                                    acl: .publicRead, tags: ObjectTagSet(), storageClass: .ia),
                   "a non-current version's attributes change")
        try expect(!(try await store.updateAttributes(bucket: "b", key: "k", versionId: v2, expected: ObjectVersion(second),
                                                      acl: .private, tags: ObjectTagSet(), storageClass: .ia)),
                   "a stale expectation is refused")
        try expect(versionIds(try await store.listVersions(VersionListQuery(bucket: "b"))).count == 3, "no new version")

        // A delete hides the key behind a marker; the history stays.
        let deleted = try await store.deleteObjects(bucket: "b", keys: ["k"])
        guard let marker = deleted?.first?.marker else { throw ConformanceFailure("a versioned delete makes a marker") }
        try expect(try await store.object(bucket: "b", key: "k") == nil, "no current object behind the marker")
        try expect(try await store.latestDeleteMarker(bucket: "b", key: "k") == marker, "the marker is newest")
        try expect(try await store.isReferenced(c), "the hidden version keeps its blob")
        try expect(try await store.deleteBucket("b") == .notEmpty, "versions keep the bucket from being deleted")

        // Removing the marker brings the newest version back.
        let removed = try await store.deleteVersions(bucket: "b", [(key: "k", versionId: marker.versionId)])
        try expect(removed?.first?.wasDeleteMarker == true, "it was a marker")
        try expect(try await store.object(bucket: "b", key: "k")?.versionId == v3, "the newest version is current again")
        // Deleting the current version for good promotes the next one and releases only its own blob.
        _ = try await store.deleteVersions(bucket: "b", [(key: "k", versionId: v3), (key: "k", versionId: "0123456789abcdef0123456789abcdef")])
        try expect(try await store.object(bucket: "b", key: "k")?.versionId == v2, "the next version is promoted")
        try expect(try await store.object(bucket: "b", key: "k")?.acl == .publicRead, "with its own attributes")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10) == [c], "only its blob is released")
        _ = try await store.deleteVersions(bucket: "b", [(key: "k", versionId: v2), (key: "k", versionId: VersionID.null)])
        try expect(try await store.listVersions(VersionListQuery(bucket: "b")).entries.isEmpty, "nothing is left")
        try expect(try await store.deleteBucket("b") == .deleted, "an empty bucket can go")
    }

    public static func suspendedVersioningReplacesTheNullVersion(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        try expect(try await store.updateBucket("b", .versioning(.enabled)), "enabled")
        let kept = BlobID.random()
        let v1 = try await putVersion(store, "k", blob: kept, etag: "1")
        try expect(try await store.updateBucket("b", .versioning(.suspended)), "suspended")
        let first = BlobID.random()
        try expect(try await putVersion(store, "k", blob: first, etag: "N1") == VersionID.null, "suspended writes are null")
        try await putVersion(store, "k", blob: BlobID.random(), etag: "N2")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10) == [first],
                   "the earlier null version is replaced and released")
        let ids = versionIds(try await store.listVersions(VersionListQuery(bucket: "b")))
        try expect(ids == [VersionID.null, v1!], "one null version over the enabled one: \(ids)")
        let deleted = try await store.deleteObjects(bucket: "b", keys: ["k"])
        try expect(deleted?.first?.marker?.versionId == VersionID.null, "a suspended delete makes a null marker")
        try expect(versionIds(try await store.listVersions(VersionListQuery(bucket: "b"))) == [VersionID.null, v1!],
                   "the null marker replaced the null version")
        try expect(try await store.isReferenced(kept), "the enabled version is kept")
    }

    public static func versionListingPagesAndRollsUp(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        try expect(try await store.updateBucket("b", .versioning(.enabled)), "enabled")
        var expected: [(key: String, versionId: String)] = []
        for key in ["a", "d/x", "d/y", "z"] {
            var ids: [String] = []
            for round in 0..<3 {
                if let id = try await putVersion(store, key, blob: BlobID.random(), etag: "\(key)\(round)") { ids.append(id) }
            }
            expected += ids.reversed().map { (key: key, versionId: $0) }
        }
        _ = try await store.deleteObjects(bucket: "b", keys: ["z"])
        let whole = try await store.listVersions(VersionListQuery(bucket: "b", limit: 1000))
        try expect(whole.entries.count == 13 && !whole.isTruncated, "12 versions and a marker: \(whole.entries.count)")
        // Pages of two, resumed from the markers, see every entry once, in order.
        var seen: [String] = []
        var query = VersionListQuery(bucket: "b", limit: 2)
        for _ in 0..<20 {
            let page = try await store.listVersions(query)
            seen += versionIds(page)
            guard page.isTruncated else { break }
            query.keyMarker = page.nextKeyMarker
            query.versionIdMarker = page.nextVersionIdMarker
        }
        try expect(seen == versionIds(whole), "paging sees every version once, in order")
        let rolled = try await store.listVersions(VersionListQuery(bucket: "b", delimiter: "/", limit: 1000))
        let prefixes = rolled.entries.compactMap { entry -> String? in
            if case .commonPrefix(let prefix) = entry { return prefix }
            return nil
        }
        try expect(prefixes == ["d/"] && versionIds(rolled).count == 7, "d/ rolls up: \(prefixes)")
        try expect(Array(versionIds(whole).prefix(3)) == expected.prefix(3).map(\.versionId), "a's versions newest first")
    }
}
