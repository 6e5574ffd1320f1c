import SiloCore
import SiloStorage

/// A violated expectation of a store contract.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String, file: StaticString = #fileID, line: UInt = #line) {
        self.description = "\(description) (\(file):\(line))"
    }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) throws {
    if !condition { throw ConformanceFailure(message(), file: file, line: line) }
}

/// The behaviour every `ObjectStore` must show. Each check gets a fresh, empty store.
public enum ObjectStoreConformance {
    public typealias Check = @Sendable (any ObjectStore) async throws -> Void

    public static let checks: [(name: String, run: Check)] = [
        ("buckets", buckets),
        ("commitConditions", commitConditions),
        ("referenceCounting", referenceCounting),
        ("reusingAReleasedBlobFails", reusingAReleasedBlobFails),
        ("concurrentCommitsEachGetTheirOwnAnswer", concurrentCommitsEachGetTheirOwnAnswer),
        ("collectorClaims", collectorClaims),
        ("deleteObjects", deleteObjects),
        ("conditionalDelete", conditionalDelete),
        ("listingOrderAndPaging", listingOrderAndPaging),
        ("listingWithDelimiter", listingWithDelimiter),
        ("listingInReverse", listingInReverse),
        ("statistics", statistics),
        ("versioningKeepsHistory", versioningKeepsHistory),
        ("suspendedVersioningReplacesTheNullVersion", suspendedVersioningReplacesTheNullVersion),
        ("versionListingPagesAndRollsUp", versionListingPagesAndRollsUp),
    ]

    static func bucket(_ name: String) -> BucketRecord {
        BucketRecord(name: name, owner: "1", createdAt: 1_700_000_000, acl: .private, storageClass: .standard)
    }

    public static func object(_ key: String, in bucket: String = "b", blobs: [BlobID], size: Int64 = 1, etag: String = "E",
                       modified: Int64 = 1_700_000_000) -> ObjectRecord {
        ObjectRecord(
            bucket: bucket, key: key, size: size, etag: etag, lastModified: modified, contentType: "text/plain",
            contentMD5: nil, crc64: UInt64.max, type: .normal, storageClass: .standard, acl: .default,
            headers: StoredHeaders(cacheControl: "no-cache", expires: "never"),
            userMetadata: [MetadataEntry("a", "1"), MetadataEntry("b", "two words: 中文")],
            extents: blobs.map { Extent(blob: $0, length: size) },
            tags: ObjectTagSet([ResourceTag("team", "mobile"), ResourceTag("中文 +-=._:/", "")]))
    }

    @discardableResult
    static func put(_ store: any ObjectStore, _ record: ObjectRecord, new: Set<BlobID>? = nil,
                    condition: WriteCondition = .none) async throws -> CommitOutcome {
        try await store.commitObject(record, newBlobs: new ?? Set(record.extents.map(\.blob)), condition: condition)
    }

    public static func buckets(_ store: any ObjectStore) async throws {
        let (created, isNew) = try await store.createBucket(bucket("b"))
        try expect(isNew && created.name == "b", "first create inserts")
        let (_, again) = try await store.createBucket(bucket("b"))
        try expect(!again, "second create reports the existing bucket")
        _ = try await store.createBucket(bucket("a"))
        _ = try await store.createBucket(bucket("c"))
        let names = try await store.listBuckets(prefix: "", after: "a", limit: 10).map(\.name)
        try expect(names == ["b", "c"], "buckets list after the marker in order, got \(names)")
        try expect(try await store.listBuckets(prefix: "c", after: "", limit: 10).map(\.name) == ["c"], "prefix filter")
        try expect(try await store.updateBucket("b", .acl(.publicRead)), "update existing")
        try expect(try await store.bucket("b")?.acl == .publicRead, "acl stored")
        let cors = CORSConfiguration(rules: [.init(allowedOrigins: ["*"], allowedMethods: ["GET"], maxAgeSeconds: 5)])
        _ = try await store.updateBucket("b", .cors(cors))
        try expect(try await store.bucket("b")?.cors == cors, "cors stored")
        let tags = [ResourceTag("%@abc", "abc"), ResourceTag("中文", "")]
        _ = try await store.updateBucket("b", .tags(tags))
        try expect(try await store.bucket("b")?.tags == tags, "tags stored in order")
        try expect(try await store.listBuckets(prefix: "b", after: "", limit: 1).first?.tags == tags, "listing carries tags")
        let lifecycle = LifecycleConfiguration(rules: [LifecycleRule(
            id: "tmp", prefix: "tmp/", expiration: .days(30), transitions: [.init(storageClass: .ia, time: .days(10))],
            tags: [ResourceTag("a", "b")])])
        _ = try await store.updateBucket("b", .lifecycle(lifecycle))
        try expect(try await store.bucket("b")?.lifecycle == lifecycle, "lifecycle stored")
        _ = try await store.updateBucket("b", .lifecycle(nil))
        try expect(try await store.bucket("b")?.lifecycle == nil, "lifecycle deleted")
        try expect(!(try await store.updateBucket("zzz", .acl(.private))), "update of a missing bucket")
        try await put(store, object("k", blobs: [BlobID.random()]))
        try expect(try await store.deleteBucket("b") == .notEmpty, "non-empty bucket stays")
        _ = try await store.deleteObjects(bucket: "b", keys: ["k"])
        try expect(try await store.deleteBucket("b") == .deleted, "empty bucket goes")
        try expect(try await store.deleteBucket("b") == .notFound, "second delete finds nothing")
        try expect(try await store.bucket("b") == nil, "deleted bucket is gone")
    }

    public static func commitConditions(_ store: any ObjectStore) async throws {
        try expect(try await put(store, object("k", blobs: [BlobID.random()])) == .noSuchBucket, "missing bucket")
        _ = try await store.createBucket(bucket("b"))
        let first = object("k", blobs: [BlobID.random()], etag: "E1")
        try expect(try await put(store, first, condition: .mustNotExist) == .committed(versionId: nil), "create when absent")
        let stored = try await store.object(bucket: "b", key: "k")
        try expect(stored == first, "round trip keeps every field, got \(String(describing: stored))")
        let second = object("k", blobs: [BlobID.random()], etag: "E2")
        guard case .conditionFailed(let current) = try await put(store, second, condition: .mustNotExist) else {
            throw ConformanceFailure("forbid-overwrite must fail on an existing key")
        }
        try expect(current == first, "a failed condition reports the current object")
        try expect(try await put(store, second, condition: .currentVersion(ObjectVersion(first))) == .committed(versionId: nil),
                   "optimistic write against the version read")
        guard case .conditionFailed = try await put(store, first, condition: .currentVersion(ObjectVersion(first))) else {
            throw ConformanceFailure("a stale version must not commit")
        }
        try expect(try await store.object(bucket: "b", key: "k")?.etag == "E2", "stale write left no trace")
        // Tags and the ACL change without a new version of the bytes, yet belong to the version a
        // read-modify-write compares, so two such writes racing never undo each other.
        var retagged = second
        retagged.tags = ObjectTagSet([ResourceTag("state", "reviewed")])
        try expect(try await put(store, retagged, new: [], condition: .currentVersion(ObjectVersion(second))) == .committed(versionId: nil),
                   "retag against the version read")
        try expect(try await store.object(bucket: "b", key: "k")?.tags == retagged.tags, "tags stored")
        var reACLed = second
        reACLed.acl = .publicRead
        guard case .conditionFailed = try await put(store, reACLed, new: [], condition: .currentVersion(ObjectVersion(second)))
        else { throw ConformanceFailure("an ACL change read before a retag must not undo it") }
        let absent = object("new", blobs: [BlobID.random()])
        try expect(try await put(store, absent, condition: .currentVersion(nil)) == .committed(versionId: nil), "nil version means absent")
    }

    public static func referenceCounting(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let a = BlobID.random()
        let b = BlobID.random()
        try await put(store, object("k", blobs: [a]))
        try expect(try await store.isReferenced(a), "committed blob is referenced")
        try await put(store, object("copy", blobs: [a]), new: [])
        try await put(store, object("k", blobs: [b]))
        try expect(try await store.isReferenced(a), "the copy still names the old blob")
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10).isEmpty, "nothing released yet")
        _ = try await store.deleteObjects(bucket: "b", keys: ["copy"])
        try expect(!(try await store.isReferenced(a)), "last reference gone")
        let released = try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10)
        try expect(released == [a], "the blob is released, got \(released)")
        try expect(try await store.releasedBlobs(releasedBefore: 0, limit: 10).isEmpty, "grace period respected")
        try await store.forgetReleased(released)
        try expect(try await store.knownBlobs() == [b], "forgotten blobs are no longer known")
        // An append-like manifest that keeps a blob and adds one releases nothing.
        let c = BlobID.random()
        try await put(store, object("k", blobs: [b, c]), new: [c])
        try expect(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10).isEmpty, "kept blob not released")
    }

    /// Collectors on several gateways share the released blobs by claiming them.
    public static func collectorClaims(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let blobs = [BlobID.random(), BlobID.random(), BlobID.random()].sorted()
        for (index, blob) in blobs.enumerated() { try await put(store, object("k\(index)", blobs: [blob])) }
        _ = try await store.deleteObjects(bucket: "b", keys: ["k0", "k1", "k2"])
        let first = try await store.claimReleasedBlobs(releasedBefore: Int64.max, lease: 60, limit: 2)
        let second = try await store.claimReleasedBlobs(releasedBefore: Int64.max, lease: 60, limit: 2)
        try expect(first.count == 2 && second.count == 1 && Set(first + second) == Set(blobs),
                   "claims are disjoint and cover every released blob: \(first) \(second)")
        try expect(try await store.claimReleasedBlobs(releasedBefore: Int64.max, lease: 60, limit: 10).isEmpty,
                   "nothing is claimed twice while the lease runs")
        try expect(try await store.claimReleasedBlobs(releasedBefore: 0, lease: 60, limit: 10).isEmpty, "grace respected")
        try await store.forgetReleased(first)
        try expect(Set(try await store.releasedBlobs(releasedBefore: Int64.max, limit: 10)) == Set(second),
                   "forgetting ends a claim")
    }

    public static func reusingAReleasedBlobFails(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let a = BlobID.random()
        try await put(store, object("k", blobs: [a]))
        _ = try await store.deleteObjects(bucket: "b", keys: ["k"])
        let outcome = try await put(store, object("copy", blobs: [a]), new: [])
        try expect(outcome == .sourceReleased, "a released blob cannot be named again, got \(outcome)")
        try expect(try await store.object(bucket: "b", key: "copy") == nil, "nothing was written")
    }

    /// Commits that run at once (and may share a transaction) are each decided as if alone: a refused one leaves
    /// no trace, and the others land.
    public static func concurrentCommitsEachGetTheirOwnAnswer(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let released = BlobID.random()
        try await put(store, object("gone", blobs: [released]))
        _ = try await store.deleteObjects(bucket: "b", keys: ["gone"])
        enum Attempt: Sendable { case distinct(Int), contended(Int), reusesReleased(Int, fresh: BlobID), missingBucket(Int) }
        let attempts: [Attempt] = (0..<40).map { index in
            switch index % 4 {
            case 0: return .distinct(index)
            case 1: return .contended(index)
            // A fresh blob beside the released one: whatever was registered before the refusal must vanish with it.
            case 2: return .reusesReleased(index, fresh: BlobID.random())
            default: return .missingBucket(index)
            }
        }
        let outcomes = try await withThrowingTaskGroup(of: (Attempt, CommitOutcome).self) { group in
            for attempt in attempts {
                group.addTask {
                    switch attempt {
                    case .distinct(let index):
                        return (attempt, try await put(store, object("d\(index)", blobs: [BlobID.random()])))
                    case .contended(let index):
                        return (attempt, try await put(store, object("same", blobs: [BlobID.random()], etag: "E\(index)"),
                                                       condition: .mustNotExist))
                    case .reusesReleased(let index, let fresh):
                        return (attempt, try await put(store, object("r\(index)", blobs: [fresh, released]), new: [fresh]))
                    case .missingBucket(let index):
                        return (attempt, try await put(store, object("m\(index)", in: "nope", blobs: [BlobID.random()])))
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var contendedWinners: [Int] = []
        for (attempt, outcome) in outcomes {
            switch attempt {
            case .distinct(let index):
                try expect(outcome == .committed(versionId: nil), "d\(index) committed, got \(outcome)")
                try expect(try await store.object(bucket: "b", key: "d\(index)") != nil, "d\(index) readable")
            case .contended(let index):
                if outcome == .committed(versionId: nil) { contendedWinners.append(index) } else {
                    guard case .conditionFailed = outcome else { throw ConformanceFailure("same: \(outcome)") }
                }
            case .reusesReleased(let index, let fresh):
                try expect(outcome == .sourceReleased, "r\(index) refused, got \(outcome)")
                try expect(try await store.object(bucket: "b", key: "r\(index)") == nil, "r\(index) left no object")
                try expect(!(try await store.isReferenced(fresh)), "r\(index) left no blob reference")
            case .missingBucket(let index):
                try expect(outcome == .noSuchBucket, "m\(index): \(outcome)")
            }
        }
        try expect(contendedWinners.count == 1, "exactly one create-if-absent wins, got \(contendedWinners)")
        let stored = try await store.object(bucket: "b", key: "same")
        try expect(stored?.etag == "E\(contendedWinners.first ?? -1)", "the winner's version is stored")
    }

    /// Lifecycle expiration deletes only the version it judged: a rewrite or a retag in between keeps the object.
    public static func conditionalDelete(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let blob = BlobID.random()
        let first = object("k", blobs: [blob], etag: "E1")
        try await put(store, first)
        var retagged = first
        retagged.tags = ObjectTagSet([ResourceTag("keep", "yes")])
        try await put(store, retagged, new: [])
        try expect(!(try await store.deleteObject(bucket: "b", key: "k", ifVersion: ObjectVersion(first))),
                   "a retagged object is not the version judged")
        let rewritten = object("k", blobs: [BlobID.random()], etag: "E2")
        try await put(store, rewritten)
        try expect(!(try await store.deleteObject(bucket: "b", key: "k", ifVersion: ObjectVersion(retagged))),
                   "a rewritten object is not the version judged")
        try expect(try await store.object(bucket: "b", key: "k")?.etag == "E2", "the object stays")
        try expect(try await store.deleteObject(bucket: "b", key: "k", ifVersion: ObjectVersion(rewritten)), "the current version goes")
        try expect(try await store.object(bucket: "b", key: "k") == nil, "deleted")
        try expect(!(try await store.deleteObject(bucket: "b", key: "k", ifVersion: ObjectVersion(rewritten))), "only once")
        try expect(!(try await store.isReferenced(rewritten.extents[0].blob)), "its blob is released")
    }

    public static func deleteObjects(_ store: any ObjectStore) async throws {
        try expect(try await store.deleteObjects(bucket: "nope", keys: ["k"]) == nil, "missing bucket")
        _ = try await store.createBucket(bucket("b"))
        try await put(store, object("k1", blobs: [BlobID.random()]))
        try await put(store, object("k2", blobs: [BlobID.random()]))
        let deleted = try await store.deleteObjects(bucket: "b", keys: ["k1", "never"])
        try expect(deleted == [KeyDeletion(key: "k1", marker: nil), KeyDeletion(key: "never", marker: nil)],
                   "missing keys are fine, and an unversioned bucket makes no markers")
        try expect(try await store.object(bucket: "b", key: "k1") == nil, "deleted")
        try expect(try await store.object(bucket: "b", key: "k2") != nil, "untouched")
    }

    static func keys(_ listing: ObjectListing) -> [String] { listing.entries.map(\.sortKey) }

    public static func listingOrderAndPaging(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createBucket(bucket("other"))
        let all = ["a", "a/b", "aa", "b", "Z", "中文", "\u{7F}", "é"]
        for key in all { try await put(store, object(key, blobs: [BlobID.random()])) }
        try await put(store, object("a", in: "other", blobs: [BlobID.random()]))
        let bytewise = all.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let whole = try await store.listObjects(ListQuery(bucket: "b", limit: 100))
        try expect(keys(whole) == bytewise && !whole.isTruncated, "byte order, got \(keys(whole))")
        var collected: [String] = []
        var after: String?
        while true {
            let page = try await store.listObjects(ListQuery(bucket: "b", after: after, limit: 3))
            collected += keys(page)
            guard page.isTruncated else { break }
            try expect(page.entries.count == 3, "full pages while truncated")
            after = page.page.nextMarker
        }
        try expect(collected == bytewise, "paging visits every key once, got \(collected)")
        let prefixed = try await store.listObjects(ListQuery(bucket: "b", prefix: "a", limit: 100))
        try expect(keys(prefixed) == ["a", "a/b", "aa"], "prefix, got \(keys(prefixed))")
        let exact = try await store.listObjects(ListQuery(bucket: "b", prefix: "a", after: "a/b", limit: 100))
        try expect(keys(exact) == ["aa"], "marker within the prefix, got \(keys(exact))")
        let empty = try await store.listObjects(ListQuery(bucket: "b", limit: 0))
        try expect(empty.entries.isEmpty, "limit zero lists nothing")
    }

    public static func listingWithDelimiter(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        let all = ["a/1", "a/2", "a/x/3", "b", "c/1", "c0", "d/e/f", "中文/1", "中文/2"]
        for key in all { try await put(store, object(key, blobs: [BlobID.random()])) }
        let top = try await store.listObjects(ListQuery(bucket: "b", delimiter: "/", limit: 100))
        try expect(keys(top) == ["a/", "b", "c/", "c0", "d/", "中文/"], "roll-up, got \(keys(top))")
        let paged = try await store.listObjects(ListQuery(bucket: "b", delimiter: "/", limit: 2))
        try expect(keys(paged) == ["a/", "b"] && paged.isTruncated && paged.page.nextMarker == "b", "first page")
        let next = try await store.listObjects(ListQuery(bucket: "b", delimiter: "/", after: "a/", limit: 2))
        try expect(keys(next) == ["b", "c/"], "a common-prefix marker skips its group, got \(keys(next))")
        let inner = try await store.listObjects(ListQuery(bucket: "b", prefix: "a/", delimiter: "/", limit: 100))
        try expect(keys(inner) == ["a/1", "a/2", "a/x/"], "within a prefix, got \(keys(inner))")
        let multi = try await store.listObjects(ListQuery(bucket: "b", delimiter: "文/", limit: 100))
        try expect(keys(multi).contains("中文/") && !keys(multi).contains("中文/1"), "multi-byte delimiter")
        let exactlyFull = try await store.listObjects(ListQuery(bucket: "b", prefix: "中文/", delimiter: "/", limit: 2))
        try expect(keys(exactlyFull) == ["中文/1", "中文/2"] && !exactlyFull.isTruncated, "no phantom truncation")
    }

    /// Descending pages, chained by their last entry, visit exactly the ascending listing backwards, for every
    /// prefix and delimiter; a marker inside a group skips the group, one past the prefix's range is ignored.
    public static func listingInReverse(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        _ = try await store.createBucket(bucket("c"))
        let all = ["a", "a/", "a/1", "a/2", "a/x/3", "a/x/4", "aa", "b", "c/1", "c0", "d/e/f", "中文/1", "中文/2", "\u{7F}", "é"]
        for key in all { try await put(store, object(key, blobs: [BlobID.random()])) }
        try await put(store, object("zz", in: "c", blobs: [BlobID.random()]))
        for prefix in ["", "a", "a/", "a/x/", "中", "nothing"] {
            for delimiter in [nil, "/", "文/", "x"] as [String?] {
                let forward = try await store.listObjects(ListQuery(bucket: "b", prefix: prefix, delimiter: delimiter, limit: 1000))
                for size in [1, 2, 1000] {
                    var collected: [String] = []
                    var after: String?
                    while true {
                        let page = try await store.listObjects(ListQuery(bucket: "b", prefix: prefix, delimiter: delimiter,
                                                                         after: after, limit: size, descending: true))
                        collected += keys(page)
                        guard page.isTruncated else { break }
                        try expect(page.entries.count == size, "full pages while truncated")
                        after = page.page.nextMarker
                    }
                    try expect(collected == keys(forward).reversed(),
                               "prefix \(prefix), delimiter \(delimiter ?? "none"), pages of \(size): \(collected)")
                }
            }
        }
        let insideGroup = try await store.listObjects(ListQuery(bucket: "b", delimiter: "/", after: "a/x", limit: 3, descending: true))
        try expect(keys(insideGroup) == ["a"],
                   "a marker inside a group skips it, got \(keys(insideGroup))")
        let pastRange = try await store.listObjects(ListQuery(bucket: "b", prefix: "a/", after: "b", limit: 2, descending: true))
        try expect(keys(pastRange) == ["a/x/4", "a/x/3"], "a marker past the prefix is ignored, got \(keys(pastRange))")
        let beforeRange = try await store.listObjects(ListQuery(bucket: "b", prefix: "c", after: "b", limit: 2, descending: true))
        try expect(beforeRange.entries.isEmpty && !beforeRange.isTruncated, "a marker before the prefix leaves nothing")
    }

    public static func statistics(_ store: any ObjectStore) async throws {
        _ = try await store.createBucket(bucket("b"))
        try await put(store, object("k1", blobs: [BlobID.random()], size: 10, modified: 5))
        try await put(store, object("k2", blobs: [BlobID.random()], size: 32, modified: 9))
        let stats = try await store.statistics(bucket: "b")
        try expect(stats.objectCount == 2 && stats.totalSize == 42 && stats.lastModified == 9, "totals: \(stats)")
    }
}
