import Foundation
import SiloCore
import Testing

@testable import SiloAppServer

/// The receiver against webhooks signed as Silo's `MediaJobNotifier` signs them.
@Suite struct MediaNotifyReceiverTests {
    static let secret = "a webhook secret of 32 bytes...."
    static let now: Int64 = 1_700_000_000

    func receiver(secret: String? = secret) async throws -> (MediaNotifyReceiver, UploadCatalog) {
        let catalog = UploadCatalog(database: try AppDatabase(path: Fixtures.temporaryDirectory() + "/m.sqlite"))
        try await catalog.record(UploadCatalog.Upload(uid: "alice", bucket: "demo", key: "users/alice/clip.mp4", size: 9, etag: "E1",
                                                      mimeType: "video/mp4", uploadedAt: 10))
        let templates = [PolicyTemplate(actions: ["oss:PutObject"], resources: ["users/${uid}/*"])]
        return (MediaNotifyReceiver(secret: secret, catalog: catalog, bucket: "demo", templates: templates, clock: { Self.now }),
                catalog)
    }

    static func body(state: String = "succeeded", bucket: String = "demo", object: String = "users/alice/clip.mp4",
                     outputs: [String] = ["users/alice/clip-480p.mp4"], outputBucket: String = "demo", task: String = "silo-1") -> Data {
        let status: [String: Any] = [
            "TaskId": task, "State": state, "Bucket": bucket, "Object": object, "Process": "video/convert", "Progress": 100,
            "Attempts": 1, "Outputs": outputs, "OutputBucket": outputBucket, "CreateTime": "2026-12-05T10:00:00.000Z",
            "UpdateTime": "2026-12-05T10:00:09.000Z", "NotifyState": "pending", "NotifyLog": [String](),
        ]
        return try! JSONSerialization.data(withJSONObject: status, options: [.sortedKeys])
    }

    static func signed(_ body: Data, at timestamp: Int64 = now, key: String = secret) -> (String, String) {
        (String(timestamp), WebhookSignature.sign(key: Array(key.utf8), timestamp: String(timestamp), body: body))
    }

    @Test func recordsARenditionOnceNextToItsUpload() async throws {
        let (receiver, catalog) = try await receiver()
        let body = Self.body()
        let (timestamp, signature) = Self.signed(body)
        let outcome = try await receiver.receive(body: body, timestamp: timestamp, signature: signature)
        #expect(outcome.recorded == 1 && outcome.ignored.isEmpty && outcome.TaskId == "silo-1")
        // Webhooks come at least once: the same delivery again records nothing new.
        #expect(try await receiver.receive(body: body, timestamp: timestamp, signature: signature).recorded == 0)
        let uploads = try await catalog.uploads(of: "alice")
        #expect(uploads.count == 1)
        #expect(uploads[0].renditions == [UploadCatalog.Rendition(bucket: "demo", key: "users/alice/clip-480p.mp4",
                                                                 process: "video/convert", taskId: "silo-1", recordedAt: Self.now)])
        // New content under the upload's key drops the renditions of the old.
        try await catalog.record(UploadCatalog.Upload(uid: "alice", bucket: "demo", key: "users/alice/clip.mp4", size: 7, etag: "E2",
                                                      mimeType: "video/mp4", uploadedAt: 20))
        #expect(try await catalog.uploads(of: "alice")[0].renditions.isEmpty)
    }

    @Test func believesOnlyRenditionsTheUploadsOwnerCouldHaveWritten() async throws {
        let (receiver, catalog) = try await receiver()
        let mixed = Self.body(outputs: ["users/alice/a.jpg", "users/mallory/a.jpg", "shared/a.jpg"])
        let (timestamp, signature) = Self.signed(mixed)
        let outcome = try await receiver.receive(body: mixed, timestamp: timestamp, signature: signature)
        #expect(outcome.recorded == 1)
        #expect(Set(outcome.ignored.keys) == ["users/mallory/a.jpg", "shared/a.jpg"])
        for (body, count) in [(Self.body(object: "users/alice/never-uploaded.mp4"), 1), (Self.body(bucket: "other"), 1),
                              (Self.body(outputBucket: "other", task: "silo-2"), 1)] {
            let (timestamp, signature) = Self.signed(body)
            let outcome = try await receiver.receive(body: body, timestamp: timestamp, signature: signature)
            #expect(outcome.recorded == 0 && outcome.ignored.count == count)
        }
        // A failed job is acknowledged and records nothing.
        let failed = Self.body(state: "failed", task: "silo-3")
        let (t, s) = Self.signed(failed)
        #expect(try await receiver.receive(body: failed, timestamp: t, signature: s).recorded == 0)
        #expect(try await catalog.uploads(of: "alice")[0].renditions.map(\.key) == ["users/alice/a.jpg"])
    }

    @Test func refusesWhatTheBucketsKeyDidNotSignJustNow() async throws {
        let (receiver, _) = try await receiver()
        let body = Self.body()
        func code(_ timestamp: String?, _ signature: String?, body: Data = body) async -> AppFailure? {
            do {
                _ = try await receiver.receive(body: body, timestamp: timestamp, signature: signature)
                return nil
            } catch {
                return error
            }
        }
        let (timestamp, signature) = Self.signed(body)
        #expect(await code(nil, signature) == .webhookRejected(.missingSignature, message: "The webhook lacks x-silo-hmac-sha256 or x-silo-timestamp."))
        let (old, oldSignature) = Self.signed(body, at: Self.now - 301)
        if case .webhookRejected(.stale, _) = await code(old, oldSignature) {} else { Issue.record("a stale delivery passed") }
        let (_, foreign) = Self.signed(body, key: "another secret of 16+ bytes")
        if case .webhookRejected(.invalidSignature, _) = await code(timestamp, foreign) {} else { Issue.record("a foreign key passed") }
        if case .webhookRejected(.invalidSignature, _) = await code(timestamp, signature, body: Self.body(task: "silo-9")) {} else {
            Issue.record("an altered body passed")
        }
        let garbage = Data("[1,2".utf8)
        let (t, s) = Self.signed(garbage)
        if case .webhookRejected(.invalidBody, _) = await code(t, s, body: garbage) {} else { Issue.record("garbage passed") }
        let (disabled, _) = try await self.receiver(secret: nil)
        await #expect(throws: AppFailure.mediaNotifyDisabled) {
            _ = try await disabled.receive(body: body, timestamp: timestamp, signature: signature)
        }
    }
}
