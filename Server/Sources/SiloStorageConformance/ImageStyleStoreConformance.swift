import SiloDomain
import SiloStorage

/// The behaviour every `ImageStyleStore` must show, on a store that also keeps the buckets styles belong to.
public enum ImageStyleStoreConformance {
    public typealias Check = @Sendable (any ImageStyleStore & ObjectStore) async throws -> Void

    public static let checks: [(name: String, run: Check)] = [
        ("stylesLiveInTheirBucket", stylesLiveInTheirBucket),
        ("replacingKeepsCreationTime", replacingKeepsCreationTime),
        ("perBucketLimit", perBucketLimit),
    ]

    static func style(_ name: String, _ content: String = "image/resize,w_100", bucket: String = "b", at time: Int64 = 100)
        -> ImageStyleRecord
    {
        ImageStyleRecord(bucket: bucket, name: name, content: content, createdAt: time, modifiedAt: time)
    }

    public static func stylesLiveInTheirBucket(_ store: any ImageStyleStore & ObjectStore) async throws {
        try expect(try await store.putStyle(style("a"), maxPerBucket: 50) == .noSuchBucket, "a style needs its bucket")
        _ = try await store.createBucket(ObjectStoreConformance.bucket("b"))
        _ = try await store.createBucket(ObjectStoreConformance.bucket("c"))
        try expect(try await store.putStyle(style("thumb"), maxPerBucket: 50) == .saved, "saved")
        try expect(try await store.putStyle(style("avatar", "image/circle,r_50"), maxPerBucket: 50) == .saved, "saved")
        try expect(try await store.putStyle(style("thumb", bucket: "c"), maxPerBucket: 50) == .saved, "another bucket")
        try expect(try await store.style(bucket: "b", name: "thumb")?.content == "image/resize,w_100", "read back")
        try expect(try await store.styles(bucket: "b").map(\.name) == ["avatar", "thumb"], "listed by name")
        try expect(try await store.deleteStyle(bucket: "b", name: "thumb"), "deleted")
        try expect(!(try await store.deleteStyle(bucket: "b", name: "thumb")), "deleting twice finds nothing")
        try expect(try await store.style(bucket: "b", name: "thumb") == nil, "gone")
        try expect(try await store.style(bucket: "c", name: "thumb") != nil, "the other bucket's style stays")
        _ = try await store.deleteBucket("c")
        try expect(try await store.styles(bucket: "c").isEmpty, "styles go with their bucket")
    }

    public static func replacingKeepsCreationTime(_ store: any ImageStyleStore & ObjectStore) async throws {
        _ = try await store.createBucket(ObjectStoreConformance.bucket("b"))
        _ = try await store.putStyle(style("s", at: 100), maxPerBucket: 50)
        _ = try await store.putStyle(style("s", "image/format,png", at: 200), maxPerBucket: 50)
        let stored = try await store.style(bucket: "b", name: "s")
        try expect(stored?.createdAt == 100 && stored?.modifiedAt == 200 && stored?.content == "image/format,png",
                   "a replacement keeps its creation time: \(String(describing: stored))")
    }

    public static func perBucketLimit(_ store: any ImageStyleStore & ObjectStore) async throws {
        _ = try await store.createBucket(ObjectStoreConformance.bucket("b"))
        for index in 0..<3 { _ = try await store.putStyle(style("s\(index)"), maxPerBucket: 3) }
        try expect(try await store.putStyle(style("s3"), maxPerBucket: 3) == .tooMany, "a fourth style is refused")
        try expect(try await store.putStyle(style("s1", "image/format,png"), maxPerBucket: 3) == .saved,
                   "replacing one at the limit is fine")
    }
}
