import Crypto
import Foundation
import NIOPosix
import SiloDomain
import SiloIAM
import SiloMetadataSQLite
import SiloStorage
import Testing

/// A bucket's media job webhook settings: the endpoint, and the HMAC key kept sealed and bound to its bucket.
@Suite struct MediaNotificationSettingsTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-media-notify-\(UUID().uuidString)").path
    static let secret = "a media webhook key of 32 bytes."

    func domain() async throws -> (Domain, SQLiteMetadataStore) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let metadata = try SQLiteMetadataStore(path: directory + "/metadata.sqlite")
        let iam = IAMService(store: metadata, accountId: "1234567890123456", rootAccessKeyId: "LTAItestroot00000000",
                             rootSecret: "test-secret-0123456789", masterKey: SymmetricKey(size: .bits256))
        try await iam.bootstrap()
        let domain = Domain(metadata: metadata, blobs: try LocalBlobStore(root: directory, pool: .singleton), iam: iam,
                            accountId: "1234567890123456", clock: { 1_700_000_000 })
        for name in ["videos", "other"] { try await domain.buckets.create(name, acl: .private, storageClass: .standard) }
        return (domain, metadata)
    }

    @Test func theKeyIsSealedBoundToItsBucketAndTheEventRulesStay() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (domain, metadata) = try await domain()
        let rule = NotificationRule(id: "r", events: ["*"], endpoint: "http://127.0.0.1:1/events")
        try await domain.events.setConfiguration(NotificationConfiguration(rules: [rule]), bucket: "videos")
        try await domain.mediaNotifications.set(bucket: "videos", endpoint: "http://127.0.0.1:1/media", secret: Self.secret)
        #expect(try await domain.mediaNotifications.settings(bucket: "videos")
                == MediaNotificationService.Settings(endpoint: "http://127.0.0.1:1/media", hasSecret: true))
        #expect(try await domain.mediaNotifications.secret(bucket: "videos") == Array(Self.secret.utf8))
        let stored = try #require(try await metadata.bucket("videos")?.notifications)
        #expect(stored.rules == [rule])
        let sealed = try #require(stored.media?.sealedSecret)
        #expect(!sealed.contains("media webhook") && !String(decoding: Data(base64Encoded: sealed) ?? Data(), as: UTF8.self).contains("webhook"))
        // Replacing the event rules keeps the media settings, and the other way round.
        try await domain.events.setConfiguration(NotificationConfiguration(rules: []), bucket: "videos")
        #expect(try await domain.mediaNotifications.settings(bucket: "videos").hasSecret)
        // The sealed key moved to another bucket does not open there: no webhook goes out unsigned or signed wrongly.
        _ = try await metadata.updateBucket("other", .notifications(NotificationConfiguration(rules: [], media: stored.media)))
        await #expect(throws: MediaNotificationService.SealedSecretError.doesNotOpen(bucket: "other")) {
            _ = try await domain.mediaNotifications.secret(bucket: "other")
        }
        // No endpoint and no key: nothing is stored.
        try await domain.mediaNotifications.set(bucket: "videos", endpoint: nil, secret: nil)
        #expect(try await metadata.bucket("videos")?.notifications == nil)
        #expect(try await domain.mediaNotifications.secret(bucket: "videos") == nil)
    }

    @Test func refusesShortKeysBadURLsAndMissingBuckets() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (domain, _) = try await domain()
        await #expect(throws: StorageError.self) {
            try await domain.mediaNotifications.set(bucket: "videos", endpoint: nil, secret: "short")
        }
        await #expect(throws: StorageError.self) {
            try await domain.mediaNotifications.set(bucket: "videos", endpoint: "ftp://x/y", secret: nil)
        }
        await #expect(throws: StorageError.self) {
            try await domain.mediaNotifications.set(bucket: "none", endpoint: "http://127.0.0.1:1/m", secret: nil)
        }
    }
}
