import Foundation
import SiloCore

/// Takes the storage service's media job webhooks (`notify`) and records the renditions they announce next to the
/// upload they were made from.
///
/// The HMAC (`WebhookSignature`, the key shared with the bucket's media job settings) proves storage sent the
/// webhook and when; it does not make the job's requester trustworthy: any user allowed to read an upload and to
/// write somewhere could have asked for a job on it. So a rendition is recorded only when the source is an upload in
/// this app's catalog and the rendition lies in the app's bucket under the key prefix of that upload's owner, which
/// only the owner (or this server) can write. Anything else is acknowledged and ignored, so storage stops retrying.
public struct MediaNotifyReceiver: Sendable {
    public static let maxBodyBytes = 64 * 1024

    let secret: [UInt8]?
    let catalog: UploadCatalog
    let bucket: String
    let templates: [PolicyTemplate]
    let clock: @Sendable () -> Int64

    public init(secret: String?, catalog: UploadCatalog, bucket: String, templates: [PolicyTemplate],
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.secret = secret.map { Array($0.utf8) }
        self.catalog = catalog
        self.bucket = bucket
        self.templates = templates
        self.clock = clock
    }

    /// The fields of the job's status this receiver reads.
    struct JobEnd: Decodable {
        let TaskId: String
        let State: String
        let Bucket: String
        let Object: String
        let Process: String
        let Outputs: [String]
        let OutputBucket: String
    }

    public struct Outcome: Sendable, Hashable, Encodable {
        public var Status = "OK"
        public var TaskId: String
        /// Renditions new to the catalog (a repeated delivery records none).
        public var recorded: Int
        /// Outputs not recorded, and why.
        public var ignored: [String: String]
    }

    public func receive(body: Data, timestamp: String?, signature: String?) async throws(AppFailure) -> Outcome {
        guard let secret else { throw .mediaNotifyDisabled }
        do {
            try WebhookSignature.verify(key: secret, timestamp: timestamp, signature: signature, body: body, now: clock())
        } catch .missing {
            throw .webhookRejected(.missingSignature, message: "The webhook lacks \(WebhookSignature.header) or \(WebhookSignature.timestampHeader).")
        } catch .stale {
            throw .webhookRejected(.stale, message: "The webhook's timestamp is more than \(WebhookSignature.maxSkewSeconds) s from this server's clock.")
        } catch {
            throw .webhookRejected(.invalidSignature, message: "The webhook's HMAC does not match its body.")
        }
        let job: JobEnd
        do {
            job = try JSONDecoder().decode(JobEnd.self, from: body)
        } catch {
            throw .webhookRejected(.invalidBody, message: "The webhook's body is not a media job's status.")
        }
        var outcome = Outcome(TaskId: job.TaskId, recorded: 0, ignored: [:])
        guard job.State == "succeeded" else { return outcome }
        func ignoreAll(_ reason: String) -> Outcome {
            for output in job.Outputs { outcome.ignored[output] = reason }
            return outcome
        }
        guard job.Bucket == bucket else { return ignoreAll("the source is not in this app's bucket") }
        let upload: UploadCatalog.Upload?
        do {
            upload = try await catalog.upload(bucket: job.Bucket, key: job.Object)
        } catch {
            throw .unavailable(.catalog, message: "The upload catalog could not be read.")
        }
        guard let upload else { return ignoreAll("the source is not an upload in the catalog") }
        let now = clock()
        var renditions: [UploadCatalog.Rendition] = []
        for output in job.Outputs {
            if job.OutputBucket != bucket {
                outcome.ignored[output] = "not in this app's bucket"
            } else if PolicyTemplate.owner(ofKey: output, templates: templates) != upload.uid {
                outcome.ignored[output] = "not under the prefix of the upload's owner"
            } else {
                renditions.append(UploadCatalog.Rendition(bucket: job.OutputBucket, key: output, process: job.Process,
                                                          taskId: job.TaskId, recordedAt: now))
            }
        }
        do {
            outcome.recorded = try await catalog.recordRenditions(renditions, of: (upload.bucket, upload.key))
        } catch {
            throw .unavailable(.catalog, message: "The upload catalog could not be written.")
        }
        return outcome
    }
}
