import Foundation
import NIOConcurrencyHelpers
import SiloCore
import SiloIAM
import SiloMedia
import SiloStorage

/// `x-oss-async-process`: a job is authorized whole at submission (the route has authorized the read of the source;
/// here every object it will write), stored durably, and answered with its task id; `MediaJobRunner`s on any
/// gateway do the work later.
public struct MediaJobService: Sendable {
    let jobs: any MediaJobStore
    let buckets: BucketService
    let access: AccessControl
    let accountId: String
    /// Nil: no ffmpeg here, and asynchronous processing answers NotImplemented.
    public let transcoder: MediaTranscoder?
    let clock: @Sendable () -> Int64
    /// Rung at each submission, so this gateway's idle workers claim the job at once rather than at their next poll.
    public let wakeup = MediaJobWakeup()

    public init(jobs: any MediaJobStore, buckets: BucketService, access: AccessControl, accountId: String,
                transcoder: MediaTranscoder?, clock: @escaping @Sendable () -> Int64) {
        self.jobs = jobs
        self.buckets = buckets
        self.access = access
        self.accountId = accountId
        self.transcoder = transcoder
        self.clock = clock
    }

    /// Stores the job for `request` on `source`, whose read the caller is already allowed.
    public func submit(_ request: AsyncProcessRequest, source: ObjectRecord, bucket: BucketRecord, caller: Caller) async throws
        -> MediaJob
    {
        guard transcoder != nil else { throw MediaError.unsupported("Asynchronous media processing is not enabled on this server.") }
        guard source.type != .symlink, source.size > 0 else { throw MediaError.badMedia("The object is empty.") }
        let targetName = request.targetBucket ?? bucket.name
        guard let target = try await buckets.find(targetName) else { throw StorageError.noSuchBucket(targetName) }
        // Every object the job will write is authorized now, as the caller: the job runs later without them.
        for key in Self.outputKeys(request) {
            try Names.validateObjectKey(key)
            try await access.authorize(caller, action: "oss:PutObject", scope: .write, bucket: target, key: key)
        }
        // A job that names no topic notifies its bucket's media job endpoint, if the bucket has one.
        var request = request
        if request.notifyURL == nil { request.notifyURL = bucket.notifications?.media?.endpoint }
        let job = MediaJob(id: "silo-" + UUID().uuidString.lowercased(), bucket: bucket.name, key: source.key,
                           sourceETag: source.etag, request: request,
                           requester: caller.principal.arn(account: accountId) ?? "anonymous", now: clock())
        try await jobs.insertJob(job)
        wakeup.ring()
        return job
    }

    /// The keys a request writes: one, or one per frame of a series (`{index}` numbered from 1).
    public static func outputKeys(_ request: AsyncProcessRequest) -> [String] {
        switch request.action {
        case .convert: [request.targetKey]
        case .snapshots(let series):
            (1...series.count).map { request.targetKey.replacingOccurrences(of: "{index}", with: String($0)) }
        }
    }

    public func job(id: String, bucket: String) async throws -> MediaJob {
        guard let job = try await jobs.job(id: id), job.bucket == bucket else { throw MediaJobError.noSuchJob(id) }
        return job
    }

    public func jobs(bucket: String, state: MediaJob.State?, limit: Int) async throws -> [MediaJob] {
        try await jobs.jobs(bucket: bucket, state: state, limit: limit)
    }

    public func cancel(id: String, bucket: String) async throws -> MediaJob {
        _ = try await job(id: id, bucket: bucket)
        guard let job = try await jobs.cancelJob(id: id, now: clock()) else { throw MediaJobError.noSuchJob(id) }
        return job
    }
}

public enum MediaJobError: Error, Sendable, Hashable {
    case noSuchJob(String)
}

/// A doorbell for idle job workers in this process; workers on other gateways find new jobs at their next poll.
public final class MediaJobWakeup: Sendable {
    private let rings = NIOLockedValueBox(0)

    public init() {}

    public func ring() { rings.withLockedValue { $0 += 1 } }

    /// Returns after `timeout`, or within 50 ms of a ring.
    public func wait(timeout: Duration) async throws {
        let seen = rings.withLockedValue { $0 }
        let step = Duration.milliseconds(50)
        var waited = Duration.zero
        while waited < timeout, rings.withLockedValue({ $0 }) == seen {
            try await Task.sleep(for: step)
            waited += step
        }
    }
}
