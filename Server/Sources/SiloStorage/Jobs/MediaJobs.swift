import Foundation
import SiloCore

/// One asynchronous media job (`x-oss-async-process`): what was asked, of which source version, by whom, and how far
/// it got. Jobs live in the metadata backend, so any gateway's workers can take them and a crash loses none.
public struct MediaJob: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for a worker (again, after a failed attempt, from `notBefore`).
        case queued
        /// Held by a worker's lease; a lease that runs out puts it back in reach of every worker.
        case running
        case succeeded
        case failed
        case cancelled

        public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    /// Where the job's webhook stands: nothing to send, due at `notifyDue`, sent, or given up.
    public enum NotifyState: String, Sendable, Hashable, Codable { case none, pending, delivered, dead }

    /// The task id answered at submission (`TaskId`).
    public var id: String
    public var bucket: String
    public var key: String
    /// The source version the job was authorized against: a job never processes a later upload under the key.
    public var sourceETag: String
    public var request: AsyncProcessRequest
    /// Who submitted it (an access key's user, a role session, or the account).
    public var requester: String
    public var state: State
    public var attempts: Int
    /// Not to be claimed before this time (backoff after a failed attempt).
    public var notBefore: Int64
    public var leaseHolder: String?
    public var leaseUntil: Int64?
    /// 0 to 100, as the worker last reported.
    public var progress: Int
    public var error: String?
    /// The keys the job wrote, once it succeeded.
    public var outputs: [String]
    public var createdAt: Int64
    public var updatedAt: Int64
    public var notifyState: NotifyState
    public var notifyDue: Int64?
    public var notifyAttempts: Int
    /// Each delivery attempt, newest last: time, HTTP status or error.
    public var notifyLog: [String]

    public init(id: String, bucket: String, key: String, sourceETag: String, request: AsyncProcessRequest,
                requester: String, now: Int64) {
        self.id = id
        self.bucket = bucket
        self.key = key
        self.sourceETag = sourceETag
        self.request = request
        self.requester = requester
        state = .queued
        attempts = 0
        notBefore = now
        leaseHolder = nil
        leaseUntil = nil
        progress = 0
        error = nil
        outputs = []
        createdAt = now
        updatedAt = now
        notifyState = .none
        notifyDue = nil
        notifyAttempts = 0
        notifyLog = []
    }
}

/// How an attempt ended.
public enum MediaJobOutcome: Sendable, Hashable {
    case succeeded(outputs: [String])
    /// Worth another attempt from `at` (a crash, a busy store).
    case retry(at: Int64, error: String)
    /// Will never work (the source is not media, a target cannot be written).
    case failed(error: String)
}

/// How a webhook delivery attempt ended.
public enum MediaJobNotifyOutcome: Sendable, Hashable {
    case delivered(log: String)
    case retry(at: Int64, log: String)
    case dead(log: String)
}

/// The job table, on every metadata backend. Claims are leases: a worker that dies simply stops renewing, and the
/// job is claimed again once its lease runs out; every later write by the old holder is refused.
public protocol MediaJobStore: Sendable {
    func insertJob(_ job: MediaJob) async throws
    /// The oldest job due now (queued and past its backoff, or running with a lapsed lease), leased to `holder`
    /// until `now + lease`, its attempt counted.
    func claimJob(now: Int64, lease: Int64, holder: String) async throws -> MediaJob?
    /// Extends the lease and records progress; false when `holder` no longer holds the job (lapsed and taken,
    /// or cancelled), and the worker must stop.
    func renewJob(id: String, holder: String, now: Int64, lease: Int64, progress: Int) async throws -> Bool
    /// Settles the attempt; false when `holder` no longer holds the job (then nothing changes).
    func finishJob(id: String, holder: String, now: Int64, outcome: MediaJobOutcome) async throws -> Bool
    func job(id: String) async throws -> MediaJob?
    /// Newest first.
    func jobs(bucket: String?, state: MediaJob.State?, limit: Int) async throws -> [MediaJob]
    /// Cancels a job that has not ended (a running one's holder learns it at its next renewal); nil when there
    /// is no such job. Answers the job as it now stands.
    func cancelJob(id: String, now: Int64) async throws -> MediaJob?
    /// The oldest job whose webhook is due, leased for `lease` seconds so one gateway sends it at a time.
    func claimNotification(now: Int64, lease: Int64) async throws -> MediaJob?
    func finishNotification(id: String, now: Int64, outcome: MediaJobNotifyOutcome) async throws
}

extension MediaJob {
    /// The row's JSON columns: the request and the outputs/log lists, as stored by both backends.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static func encode<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// What a settled attempt makes of the job; shared by both backends so they cannot disagree.
    public mutating func apply(_ outcome: MediaJobOutcome, now: Int64) {
        leaseHolder = nil
        leaseUntil = nil
        updatedAt = now
        switch outcome {
        case .succeeded(let outputs):
            state = .succeeded
            progress = 100
            self.outputs = outputs
            error = nil
        case .retry(let at, let error):
            state = .queued
            notBefore = at
            self.error = error
        case .failed(let error):
            state = .failed
            self.error = error
        }
        if state.isFinal, request.notifyURL != nil {
            notifyState = .pending
            notifyDue = now
        }
    }

    public mutating func apply(_ outcome: MediaJobNotifyOutcome, now: Int64) {
        notifyAttempts += 1
        updatedAt = now
        switch outcome {
        case .delivered(let log):
            notifyState = .delivered
            notifyDue = nil
            notifyLog.append(log)
        case .retry(let at, let log):
            notifyDue = at
            notifyLog.append(log)
        case .dead(let log):
            notifyState = .dead
            notifyDue = nil
            notifyLog.append(log)
        }
        // The log is for people reading the task status: the last attempts are what matter.
        if notifyLog.count > 20 { notifyLog.removeFirst(notifyLog.count - 20) }
    }
}

extension MediaJob {
    /// Taken by `holder` until `now + lease`: one more attempt.
    public mutating func claim(holder: String, now: Int64, lease: Int64) {
        state = .running
        leaseHolder = holder
        leaseUntil = now + lease
        attempts += 1
        updatedAt = now
    }

    /// Whether `holder` still holds the job at `now`.
    public func isHeld(by holder: String) -> Bool { state == .running && leaseHolder == holder }

    /// The columns both backends index, beside the whole job as JSON.
    public var stateColumn: String { state.rawValue }
    public var notifyDueColumn: Int64? { notifyState == .pending ? notifyDue : nil }
}
