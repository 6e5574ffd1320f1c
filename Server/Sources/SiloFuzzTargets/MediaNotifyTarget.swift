#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SiloAppServer
import SiloCore

/// The app server's media job webhook receiver: fuzzed timestamps, signatures and bodies, and fuzzed bodies signed
/// with the real key (so the JSON and the catalog are reached). A webhook the key did not sign is never believed.
enum MediaNotifyTarget {
    static let secret = "the fuzzing media webhook key"
    static let now: Int64 = 1_700_000_000
    static let templates = [PolicyTemplate(actions: ["oss:PutObject"], resources: ["users/${uid}/*"])]
    static var path: String { NSTemporaryDirectory() + "/silo-fuzz-media-notify-\(getpid()).sqlite" }
    static let catalog: UploadCatalog = {
        // The catalog's files go when the process ends (its name is the process's own).
        atexit { for suffix in ["", "-wal", "-shm"] { unlink(MediaNotifyTarget.path + suffix) } }
        do {
            return UploadCatalog(database: try AppDatabase(path: path))
        } catch {
            preconditionFailure("the fuzzing catalog could not be opened: \(error)")
        }
    }()
    static let receiver = MediaNotifyReceiver(secret: secret, catalog: catalog, bucket: "demo", templates: templates,
                                              clock: { now })

    static func run(_ bytes: [UInt8]) async {
        var input = FuzzInput(bytes)
        let signs = input.byte() & 1 == 1
        var timestamp = input.string()
        var signature = input.string()
        let body = Data(input.rest())
        if signs {
            timestamp = String(now - Int64(input.isEmpty ? 0 : 1))
            signature = WebhookSignature.sign(key: Array(secret.utf8), timestamp: timestamp, body: body)
        }
        try? await catalog.record(UploadCatalog.Upload(uid: "alice", bucket: "demo", key: "users/alice/clip.mp4", size: 1,
                                                       etag: "E", mimeType: "video/mp4", uploadedAt: 1))
        do {
            let outcome = try await receiver.receive(body: body, timestamp: timestamp, signature: signature)
            precondition(signs, "a webhook the key did not sign was accepted")
            precondition(outcome.recorded >= 0)
        } catch {
            if case .webhookRejected(.invalidSignature, _) = error, signs {
                preconditionFailure("a webhook signed with the key was refused as forged")
            }
        }
    }
}
