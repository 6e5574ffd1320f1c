import Foundation
import Logging
import NIOConcurrencyHelpers
import SiloCore
import SiloStorage
import SiloStorageConformance
import Testing

/// Lifecycle rules applied over the real stores with a clock the test sets: what is due goes, what a rule does
/// not select stays, whatever the clock says.
@Suite struct LifecycleServiceTests {
    static let start: Int64 = 1_700_000_000  // 2023-11-14 22:13:20 UTC
    static let day: Int64 = 86_400

    final class Fixture: @unchecked Sendable {
        let storage: StorageFixture
        let now = NIOLockedValueBox<Int64>(LifecycleServiceTests.start)
        let objects: ObjectService

        init() async throws {
            storage = try await StorageFixture()
            let now = self.now
            objects = ObjectService(metadata: storage.metadata, blobs: storage.blobs, clock: { now.withLockedValue { $0 } })
        }

        var bucket: BucketRecord { storage.bucket }

        func put(_ key: String, tags: [ResourceTag] = [], size: Int = 20) async throws {
            _ = try await objects.put(bucket: bucket, key: key, body: ByteChunks(Array(repeating: 7, count: size)),
                                      expectedLength: Int64(size), contentMD5: nil,
                                      attributes: ObjectAttributes(tags: ObjectTagSet(tags)), forbidOverwrite: false)
        }

        func setRules(_ rules: [LifecycleRule]) async throws {
            #expect(try await storage.metadata.updateBucket(bucket.name, .lifecycle(LifecycleConfiguration(rules: rules))))
        }

        func service() -> LifecycleService {
            let now = self.now
            return LifecycleService(objects: objects, interval: .seconds(3600), clock: { now.withLockedValue { $0 } },
                                    logger: Logger(label: "test"))
        }

        func keys() async throws -> [String] {
            try await storage.metadata.listObjects(ListQuery(bucket: bucket.name)).entries.map(\.sortKey)
        }
    }

    @Test func expiresOnlyWhatTheRuleSelectsOnceItIsDue() async throws {
        let f = try await Fixture()
        let scratch = ResourceTag("kind", "scratch")
        try await f.put("tmp/a", tags: [scratch])
        try await f.put("tmp/b")
        try await f.put("tmp/keep/c", tags: [scratch])
        try await f.put("tmp/big", tags: [scratch], size: 5000)
        try await f.put("photos/d", tags: [scratch])
        try await f.setRules([LifecycleRule(id: "tmp", prefix: "tmp/", expiration: .days(1), tags: [scratch],
                                            objectSizeLessThan: 1000, exclusions: [.init(prefix: "tmp/keep/")])])
        // One day after the write, but before the next midnight: not yet.
        var report = try await f.service().apply(now: Self.start + Self.day + 3600)
        #expect(report.expired == 0)
        report = try await f.service().apply(now: Self.start + 400 * Self.day)
        #expect(report.expired == 1)
        #expect(try await f.keys() == ["photos/d", "tmp/b", "tmp/big", "tmp/keep/c"])
        // The expired object's bytes are released to the collector, as a delete's are.
        #expect(try await f.storage.metadata.releasedBlobs(releasedBefore: Int64.max, limit: 10).count == 1)
    }

    @Test func disabledRulesAndOtherBucketsAreLeftAlone() async throws {
        let f = try await Fixture()
        try await f.put("tmp/a")
        try await f.setRules([LifecycleRule(id: "off", prefix: "tmp/", enabled: false, expiration: .days(1))])
        #expect(try await f.service().apply(now: Self.start + 400 * Self.day) == LifecycleService.Report())
        #expect(try await f.keys() == ["tmp/a"])
    }

    @Test func transitionsMoveToTheColdestDueClassAndKeepTheObject() async throws {
        let f = try await Fixture()
        try await f.put("logs/1")
        let before = try #require(try await f.storage.metadata.object(bucket: "bkt", key: "logs/1"))
        try await f.setRules([LifecycleRule(id: "cold", prefix: "logs/", transitions: [
            .init(storageClass: .ia, time: .days(1)), .init(storageClass: .archive, time: .days(10)),
        ])])
        #expect(try await f.service().apply(now: Self.start + 2 * Self.day).transitioned == 1)
        var after = try #require(try await f.storage.metadata.object(bucket: "bkt", key: "logs/1"))
        #expect(after.storageClass == .ia && after.etag == before.etag && after.lastModified == before.lastModified)
        #expect(try await f.service().apply(now: Self.start + 2 * Self.day).transitioned == 0)
        #expect(try await f.service().apply(now: Self.start + 11 * Self.day).transitioned == 1)
        after = try #require(try await f.storage.metadata.object(bucket: "bkt", key: "logs/1"))
        #expect(after.storageClass == .archive && after.extents == before.extents)
    }

    @Test func unfinishedUploadsAreAbortedByAge() async throws {
        let f = try await Fixture()
        let old = try await f.objects.initiateUpload(bucket: f.bucket, key: "tmp/video", attributes: ObjectAttributes(),
                                                     forbidOverwrite: false)
        let kept = try await f.objects.initiateUpload(bucket: f.bucket, key: "other/video", attributes: ObjectAttributes(),
                                                      forbidOverwrite: false)
        try await f.setRules([LifecycleRule(id: "abort", prefix: "tmp/", abortMultipartUpload: .days(1))])
        #expect(try await f.service().apply(now: Self.start + 3 * Self.day).abortedUploads == 1)
        #expect(try await f.storage.metadata.upload(bucket: "bkt", key: "tmp/video", uploadId: old.uploadId) == nil)
        #expect(try await f.storage.metadata.upload(bucket: "bkt", key: "other/video", uploadId: kept.uploadId) != nil)
    }

    @Test func manyServicesAtOnceExpireEachObjectOnce() async throws {
        let f = try await Fixture()
        for index in 0..<120 { try await f.put("tmp/\(index)") }
        try await f.setRules([LifecycleRule(id: "tmp", prefix: "tmp/", expiration: .days(1))])
        let now = Self.start + 5 * Self.day
        async let first = f.service().apply(now: now)
        async let second = f.service().apply(now: now)
        async let third = f.service().apply(now: now)
        let total = try await first.expired + second.expired + third.expired
        #expect(total == 120)
        #expect(try await f.keys().isEmpty)
        #expect(try await f.storage.metadata.releasedBlobs(releasedBefore: Int64.max, limit: 1000).count == 120)
    }

    func versionIds(_ f: Fixture) async throws -> [String] {
        try await f.storage.metadata.listVersions(VersionListQuery(bucket: "bkt")).entries.compactMap { entry in
            if case .version(let version, _) = entry { return version.versionId }
            return nil
        }
    }

    /// A non-current version's age counts from when the next version replaced it, not from its own write.
    @Test func noncurrentVersionsExpireByDaysSinceTheyWereReplaced() async throws {
        let f = try await Fixture()
        #expect(try await f.storage.metadata.updateBucket("bkt", .versioning(.enabled)))
        try await f.put("docs/a")
        let first = try await versionIds(f)
        f.now.withLockedValue { $0 = Self.start + 10 * Self.day }
        try await f.put("docs/a")
        try await f.put("other/b")
        f.now.withLockedValue { $0 = Self.start + 11 * Self.day }
        try await f.put("other/b")
        var rule = LifecycleRule(id: "old", prefix: "docs/")
        rule.noncurrentVersionExpirationDays = 5
        try await f.setRules([rule])
        // Fifteen days after its write but four after its replacement: kept.
        #expect(try await f.service().apply(now: Self.start + 14 * Self.day).expired == 0)
        #expect(try await versionIds(f).count == 4)
        let report = try await f.service().apply(now: Self.start + 16 * Self.day)
        #expect(report.expired == 1)
        let left = try await versionIds(f)
        #expect(left.count == 3 && !left.contains(first[0]))
        // The current version and the other prefix are untouched; the expired version's blob is released.
        #expect(try await f.storage.metadata.object(bucket: "bkt", key: "docs/a") != nil)
        #expect(try await f.storage.metadata.releasedBlobs(releasedBefore: Int64.max, limit: 10).count == 1)
    }

    @Test func noncurrentTransitionsAndCurrentOnesMakeNoNewVersion() async throws {
        let f = try await Fixture()
        #expect(try await f.storage.metadata.updateBucket("bkt", .versioning(.enabled)))
        try await f.put("logs/1")
        f.now.withLockedValue { $0 = Self.start + Self.day }
        try await f.put("logs/1")
        var rule = LifecycleRule(id: "cold", prefix: "logs/",
                                 transitions: [.init(storageClass: .ia, time: .days(30))])
        rule.noncurrentVersionTransitions = [.init(noncurrentDays: 2, storageClass: .archive)]
        try await f.setRules([rule])
        let report = try await f.service().apply(now: Self.start + 40 * Self.day)
        #expect(report.transitioned == 2)
        let versions = try await f.storage.metadata.listVersions(VersionListQuery(bucket: "bkt")).entries
        let classes = versions.compactMap { entry -> StorageClass? in
            if case .version(.object(let record), _) = entry { return record.storageClass }
            return nil
        }
        #expect(classes == [.ia, .archive])
    }

    @Test func expiredDeleteMarkersGoOnceNothingIsBehindThem() async throws {
        let f = try await Fixture()
        #expect(try await f.storage.metadata.updateBucket("bkt", .versioning(.enabled)))
        try await f.put("tmp/a")
        let version = try #require(try await versionIds(f).first)
        _ = try await f.objects.delete(bucket: "bkt", keys: ["tmp/a"])
        var rule = LifecycleRule(id: "markers", prefix: "tmp/")
        rule.expiredObjectDeleteMarker = true
        try await f.setRules([rule])
        #expect(try await f.service().apply(now: Self.start + Self.day).expired == 0)
        #expect(try await versionIds(f).count == 2)
        _ = try await f.objects.deleteVersions(bucket: "bkt", [(key: "tmp/a", versionId: version)])
        #expect(try await f.service().apply(now: Self.start + Self.day).expired == 1)
        #expect(try await versionIds(f).isEmpty)
    }
}
