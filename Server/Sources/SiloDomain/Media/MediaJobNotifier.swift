import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SiloCore
import SiloOutbound
import SiloStorage

/// Delivers `notify` webhooks of ended media jobs, at least once: the job's JSON is POSTed to the URL the job named
/// (or its bucket's media job endpoint), signed over the timestamp and the body, so a receiver can refuse stale or
/// replayed deliveries: by the bucket's HMAC key when it has one (`x-silo-hmac-sha256`, `WebhookSignature`), and
/// always by the storage key (RSA-SHA256 in `x-silo-signature`, verifiable with the public key callbacks already
/// use, for receivers that hold no shared secret). The address rules of callbacks
/// apply (`--callback-policy`), redirects are not followed, failures are retried with backoff, and every attempt is
/// logged on the job for its status.
public struct MediaJobNotifier: Service {
    let jobs: any MediaJobStore
    let callbacks: CallbackDelivery
    let notifications: MediaNotificationService
    let interval: Duration
    let maxAttempts: Int
    let clock: @Sendable () -> Int64
    let logger: Logger

    public static let signatureHeader = "x-silo-signature"
    public static let timestampHeader = "x-silo-timestamp"
    static let lease: Int64 = 60
    static let maxAnswerBytes = 64 * 1024

    public init(jobs: any MediaJobStore, callbacks: CallbackDelivery, notifications: MediaNotificationService,
                interval: Duration = .seconds(1), maxAttempts: Int = 10, clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.jobs = jobs
        self.callbacks = callbacks
        self.notifications = notifications
        self.interval = interval
        self.maxAttempts = maxAttempts
        self.clock = clock
        self.logger = logger
    }

    /// Delivers every webhook due now; answers how many were attempted.
    @discardableResult
    public func deliverDue() async throws -> Int {
        var attempted = 0
        while let job = try await jobs.claimNotification(now: clock(), lease: Self.lease) {
            let outcome = await deliver(job)
            try await jobs.finishNotification(id: job.id, now: clock(), outcome: outcome)
            let name: String = switch outcome {
            case .delivered: "delivered"
            case .retry: "retry"
            case .dead: "dead"
            }
            Counter(label: "silo_media_job_notifications_total", dimensions: [("outcome", name)]).increment()
            attempted += 1
        }
        return attempted
    }

    func deliver(_ job: MediaJob) async -> MediaJobNotifyOutcome {
        let now = clock()
        let attempts = job.notifyAttempts + 1
        func failed(_ reason: String) -> MediaJobNotifyOutcome {
            let log = "\(Timestamps.iso8601(unixSeconds: now)) \(reason)"
            if attempts >= maxAttempts { return .dead(log: log) }
            return .retry(at: now + min(Int64(1) << min(attempts - 1, 12), 3600), log: log)
        }
        guard let endpoint = job.request.notifyURL, let url = URL(string: endpoint) else { return .dead(log: "no endpoint") }
        guard let signer = callbacks.settings.signer else { return failed("the storage key is missing") }
        let body = Self.body(job)
        let timestamp = String(now)
        var headers = HTTPHeaders()
        do {
            headers.add(name: Self.signatureHeader, value: try signer.sign(timestamp + "\n" + body, digest: .sha256))
        } catch {
            return failed("signing failed")
        }
        do {
            if let key = try await notifications.secret(bucket: job.bucket) {
                headers.add(name: WebhookSignature.header,
                            value: WebhookSignature.sign(key: key, timestamp: timestamp, body: Data(body.utf8)))
            }
        } catch {
            return failed("the bucket's webhook key could not be read or does not open under this master key")
        }
        headers.add(name: Self.timestampHeader, value: timestamp)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: "silo-media-jobs/1")
        headers.add(name: "x-oss-pub-key-url", value: Data(callbacks.publicKeyURL().utf8).base64EncodedString())
        let request = OutboundRequest(url: url, method: .POST, headers: headers, body: ByteBuffer(string: body))
        do {
            let response = try await callbacks.settings.client.execute(request, timeout: callbacks.settings.timeout,
                                                                        maxResponseBytes: Self.maxAnswerBytes)
            guard (200..<300).contains(Int(response.status.code)) else { return failed("HTTP \(response.status.code)") }
            return .delivered(log: "\(Timestamps.iso8601(unixSeconds: now)) HTTP \(response.status.code)")
        } catch .refused {
            return failed("the endpoint's address is not allowed by the callback policy")
        } catch {
            return failed("\(error)")
        }
    }

    /// What a receiver gets: the task as its status answers it.
    static func body(_ job: MediaJob) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(MediaJobStatus(job))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await deliverDue()
            } catch {
                logger.error("delivering media job webhooks failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}

/// A job as clients see it (the webhook's body and the status API's answer): never the lease holder.
public struct MediaJobStatus: Sendable, Codable, Hashable {
    public var taskId: String
    public var state: String
    public var bucket: String
    public var object: String
    public var process: String
    public var progress: Int
    public var attempts: Int
    public var error: String?
    public var outputs: [String]
    public var outputBucket: String
    public var createTime: String
    public var updateTime: String
    public var notifyState: String
    public var notifyLog: [String]

    enum CodingKeys: String, CodingKey {
        case taskId = "TaskId", state = "State", bucket = "Bucket", object = "Object", process = "Process"
        case progress = "Progress", attempts = "Attempts", error = "Error", outputs = "Outputs", outputBucket = "OutputBucket"
        case createTime = "CreateTime", updateTime = "UpdateTime", notifyState = "NotifyState", notifyLog = "NotifyLog"
    }

    public init(_ job: MediaJob) {
        taskId = job.id
        state = job.state.rawValue
        bucket = job.bucket
        object = job.key
        process = switch job.request.action {
        case .convert(let conversion): conversion.videoCodec == nil ? "audio/convert" : "video/convert"
        case .snapshots: "video/snapshots"
        }
        progress = job.progress
        attempts = job.attempts
        error = job.error
        outputs = job.outputs
        outputBucket = job.request.targetBucket ?? job.bucket
        createTime = Timestamps.iso8601(unixSeconds: job.createdAt)
        updateTime = Timestamps.iso8601(unixSeconds: job.updatedAt)
        notifyState = job.notifyState.rawValue
        notifyLog = job.notifyLog
    }
}
