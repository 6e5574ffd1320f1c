import SiloCore
import SiloStorage

/// The job table every backend must keep: claims in submission order with backoff, leases that lapse and are taken
/// over (the old holder then refused), cancellation, and webhook deliveries settled once.
public enum MediaJobStoreConformance {
    public typealias Store = any MediaJobStore
    public typealias Check = @Sendable (Store) async throws -> Void

    public static let checks: [(name: String, run: Check)] = [
        ("claimsInOrderWithBackoff", claimsInOrderWithBackoff),
        ("aLapsedLeaseIsTakenOverAndTheOldHolderRefused", aLapsedLeaseIsTakenOverAndTheOldHolderRefused),
        ("cancellationStopsTheHolder", cancellationStopsTheHolder),
        ("notificationsAreDueOnceTheJobEnds", notificationsAreDueOnceTheJobEnds),
    ]

    static func job(_ id: String, bucket: String = "b", now: Int64, notify: String? = nil) -> MediaJob {
        let request = AsyncProcessRequest(
            action: .snapshots(SnapshotSeries(format: .jpg, intervalMilliseconds: 1000, count: 3)),
            targetKey: "{index}.jpg", notifyURL: notify)
        return MediaJob(id: id, bucket: bucket, key: "v.mp4", sourceETag: "E", request: request, requester: "root", now: now)
    }

    public static func claimsInOrderWithBackoff(_ store: Store) async throws {
        try await store.insertJob(job("j1", now: 100))
        try await store.insertJob(job("j2", bucket: "c", now: 101))
        try expect(try await store.claimJob(now: 99, lease: 30, holder: "w") == nil, "nothing is due before it was submitted")
        let first = try await store.claimJob(now: 200, lease: 30, holder: "w1")
        try expect(first?.id == "j1" && first?.state == .running && first?.attempts == 1 && first?.leaseUntil == 230,
                   "the oldest job is claimed and leased: \(String(describing: first))")
        let second = try await store.claimJob(now: 200, lease: 30, holder: "w2")
        try expect(second?.id == "j2", "a claimed job is not claimed twice while its lease holds")
        try expect(try await store.claimJob(now: 200, lease: 30, holder: "w3") == nil, "nothing else is due")
        try expect(try await store.finishJob(id: "j2", holder: "w2", now: 205, outcome: .failed(error: "not media")),
                   "a job that cannot work fails")
        // A failed attempt waits for its backoff, then is claimed again as a second attempt.
        try expect(try await store.finishJob(id: "j1", holder: "w1", now: 210, outcome: .retry(at: 300, error: "busy")),
                   "the holder settles its attempt")
        try expect(try await store.claimJob(now: 299, lease: 30, holder: "w1") == nil, "the backoff holds")
        let again = try await store.claimJob(now: 300, lease: 30, holder: "w1")
        try expect(again?.id == "j1" && again?.attempts == 2 && again?.error == "busy", "claimed again after the backoff")
        try expect(try await store.finishJob(id: "j1", holder: "w1", now: 310, outcome: .succeeded(outputs: ["a.jpg"])),
                   "settled")
        let done = try await store.job(id: "j1")
        try expect(done?.state == .succeeded && done?.outputs == ["a.jpg"] && done?.progress == 100 && done?.leaseHolder == nil,
                   "a succeeded job keeps its outputs: \(String(describing: done))")
        try expect(try await store.jobs(bucket: nil, state: nil, limit: 10).map(\.id) == ["j2", "j1"], "listed newest first")
        try expect(try await store.jobs(bucket: "c", state: nil, limit: 10).map(\.id) == ["j2"], "listed by bucket")
        try expect(try await store.jobs(bucket: nil, state: .succeeded, limit: 10).map(\.id) == ["j1"], "listed by state")
        try expect(try await store.job(id: "none") == nil, "an unknown id is nil")
    }

    public static func aLapsedLeaseIsTakenOverAndTheOldHolderRefused(_ store: Store) async throws {
        try await store.insertJob(job("j", now: 0))
        _ = try await store.claimJob(now: 10, lease: 30, holder: "dead")
        try expect(try await store.renewJob(id: "j", holder: "dead", now: 20, lease: 30, progress: 40), "the holder renews")
        try expect(try await store.job(id: "j")?.progress == 40, "progress is recorded")
        try expect(try await store.claimJob(now: 49, lease: 30, holder: "w") == nil, "a renewed lease holds")
        let taken = try await store.claimJob(now: 50, lease: 30, holder: "w")
        try expect(taken?.leaseHolder == "w" && taken?.attempts == 2, "a lapsed lease is taken over as a new attempt")
        try expect(!(try await store.renewJob(id: "j", holder: "dead", now: 55, lease: 30, progress: 90)),
                   "the old holder may not renew")
        try expect(!(try await store.finishJob(id: "j", holder: "dead", now: 55, outcome: .succeeded(outputs: ["x"]))),
                   "nor settle")
        try expect(try await store.job(id: "j")?.state == .running, "the job is the new holder's")
    }

    public static func cancellationStopsTheHolder(_ store: Store) async throws {
        try await store.insertJob(job("queued", now: 0))
        try await store.insertJob(job("running", now: 1))
        _ = try await store.claimJob(now: 5, lease: 30, holder: "w")
        let running = try await store.job(id: "queued")
        try expect(running?.state == .running, "the first job runs")
        try expect(try await store.cancelJob(id: "running", now: 6)?.state == .cancelled, "a queued job is cancelled")
        try expect(try await store.cancelJob(id: "queued", now: 6)?.state == .cancelled, "a running one too")
        try expect(!(try await store.renewJob(id: "queued", holder: "w", now: 7, lease: 30, progress: 50)),
                   "its holder learns it at the next renewal")
        try expect(try await store.claimJob(now: 1_000, lease: 30, holder: "w") == nil, "cancelled jobs are never claimed")
        try expect(try await store.cancelJob(id: "none", now: 7) == nil, "an unknown id is nil")
    }

    public static func notificationsAreDueOnceTheJobEnds(_ store: Store) async throws {
        try await store.insertJob(job("n", now: 0, notify: "http://hook.example/done"))
        try await store.insertJob(job("quiet", now: 1))
        try expect(try await store.claimNotification(now: 10, lease: 30) == nil, "nothing to send before a job ends")
        _ = try await store.claimJob(now: 2, lease: 30, holder: "w")
        _ = try await store.finishJob(id: "n", holder: "w", now: 3, outcome: .failed(error: "not media"))
        let due = try await store.claimNotification(now: 4, lease: 30)
        try expect(due?.id == "n" && due?.state == .failed, "the ended job's webhook is due")
        try expect(try await store.claimNotification(now: 5, lease: 30) == nil, "a claimed delivery is not claimed twice")
        try await store.finishNotification(id: "n", now: 6, outcome: .retry(at: 60, log: "6 503"))
        try expect(try await store.claimNotification(now: 59, lease: 30) == nil, "the retry waits")
        try expect(try await store.claimNotification(now: 60, lease: 30)?.id == "n", "then is due again")
        try await store.finishNotification(id: "n", now: 61, outcome: .delivered(log: "61 200"))
        let delivered = try await store.job(id: "n")
        try expect(delivered?.notifyState == .delivered && delivered?.notifyLog == ["6 503", "61 200"]
                   && delivered?.notifyAttempts == 2, "the delivery log is kept: \(String(describing: delivered))")
        try expect(try await store.claimNotification(now: 1_000, lease: 30) == nil, "a delivered webhook is done")
        _ = try await store.claimJob(now: 1_000, lease: 30, holder: "w")
        _ = try await store.finishJob(id: "quiet", holder: "w", now: 1_001, outcome: .succeeded(outputs: []))
        try expect(try await store.claimNotification(now: 2_000, lease: 30) == nil, "a job without notify sends nothing")
    }
}
