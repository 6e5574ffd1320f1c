import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SiloCore
import SiloMedia
import SiloStorage

/// Runs asynchronous media jobs on this gateway: claims the oldest due job with a lease, keeps the lease alive while
/// ffmpeg works (a cancelled job, or a lease another worker took, stops the work), stores the outputs as objects
/// (each one whole or not at all), and settles the job. A worker killed mid-job simply stops renewing; the job is
/// claimed again when its lease lapses and starts over, writing the same keys. After `maxAttempts` it fails.
public struct MediaJobRunner: Service {
    let jobs: any MediaJobStore
    let objects: ObjectService
    let buckets: BucketService
    let blobs: any BlobStore
    let transcoder: MediaTranscoder
    let concurrency: Int
    let lease: Int64
    let interval: Duration
    let maxAttempts: Int
    let holder: String
    let wakeup: MediaJobWakeup?
    let clock: @Sendable () -> Int64
    let logger: Logger

    public init(jobs: any MediaJobStore, objects: ObjectService, buckets: BucketService, blobs: any BlobStore,
                transcoder: MediaTranscoder, concurrency: Int = 1, lease: Int64 = 30, interval: Duration = .seconds(1),
                maxAttempts: Int = 3, wakeup: MediaJobWakeup? = nil, clock: @escaping @Sendable () -> Int64,
                logger: Logger) {
        self.jobs = jobs
        self.objects = objects
        self.buckets = buckets
        self.blobs = blobs
        self.transcoder = transcoder
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.interval = interval
        self.maxAttempts = maxAttempts
        self.wakeup = wakeup
        holder = ProcessInfo.processInfo.hostName + ":" + String(ProcessInfo.processInfo.processIdentifier) + ":"
            + UUID().uuidString.prefix(8)
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        // A small pool of its own: transcodes never take the image or snapshot workers' places.
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<concurrency {
                group.addTask { await self.loop(slot: slot) }
            }
        }
    }

    private func loop(slot: Int) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if try await runOne(slot: slot) { continue }
            } catch {
                logger.error("media jobs: claiming failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { [wakeup, interval] in
                    if let wakeup { try await wakeup.wait(timeout: interval) } else { try await Task.sleep(for: interval) }
                }
            } catch {
                return
            }
        }
    }

    /// Claims and runs one job; false when none was due.
    @discardableResult
    public func runOne(slot: Int = 0) async throws -> Bool {
        let holder = self.holder + "/" + String(slot)
        guard let job = try await jobs.claimJob(now: clock(), lease: lease, holder: holder) else { return false }
        let outcome: MediaJobOutcome
        if job.attempts > maxAttempts {
            outcome = .failed(error: "The job was started \(maxAttempts) times without finishing.")
        } else {
            outcome = await attempt(job, holder: holder)
        }
        let settled = try await jobs.finishJob(id: job.id, holder: holder, now: clock(), outcome: outcome)
        let name: String
        switch outcome {
        case .succeeded: name = "succeeded"
        case .retry: name = "retry"
        case .failed: name = "failed"
        }
        Counter(label: "silo_media_jobs_total", dimensions: [("outcome", settled ? name : "lost")]).increment()
        logger.info("media job settled", metadata: ["task": "\(job.id)", "outcome": "\(name)", "settled": "\(settled)"])
        return true
    }

    private func attempt(_ job: MediaJob, holder: String) async -> MediaJobOutcome {
        do {
            let outputs = try await work(job, holder: holder)
            return .succeeded(outputs: outputs)
        } catch let error as MediaError {
            switch error {
            case .badMedia(let message), .tooLarge(let message), .unsupported(let message): return .failed(error: message)
            case .busy, .internalFailure: return retry(job, "\(error)")
            }
        } catch let error as StorageError {
            switch error {
            case .noSuchBucket, .noSuchKey: return .failed(error: "\(error)")
            default: return retry(job, "\(error)")
            }
        } catch is LeaseLost {
            // Cancelled, or taken by another worker: whatever this attempt says is refused by the store anyway.
            return .failed(error: "The job was cancelled.")
        } catch {
            return retry(job, "\(error)")
        }
    }

    private func retry(_ job: MediaJob, _ error: String) -> MediaJobOutcome {
        .retry(at: clock() + min(Int64(5) << min(job.attempts, 8), 600), error: error)
    }

    struct LeaseLost: Error {}

    private func work(_ job: MediaJob, holder: String) async throws -> [String] {
        // The source version the job was authorized against, and no other.
        guard let source = try await objects.metadata.object(bucket: job.bucket, key: job.key), source.etag == job.sourceETag
        else { throw MediaError.badMedia("The source object was replaced or deleted after the job was submitted.") }
        let targetName = job.request.targetBucket ?? job.bucket
        guard let target = try await buckets.find(targetName) else { throw StorageError.noSuchBucket(targetName) }
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        let progress = NIOLockedValueBox(0)
        let files = try await withHeartbeat(job, holder: holder, progress: progress) {
            try await MediaService.withInput(source, blobs: blobs, limits: transcoder.limits) { input in
                try await transcoder.run(job.request.action, input: input, directory: directory.path, logger: logger) { share in
                    progress.withLockedValue { $0 = max($0, share) }
                }
            }
        }
        let keys = Array(MediaJobService.outputKeys(job.request).prefix(files.count))
        // Still ours? A cancelled job writes nothing more.
        guard try await jobs.renewJob(id: job.id, holder: holder, now: clock(), lease: lease, progress: 99) else { throw LeaseLost() }
        let contentType: String = switch job.request.action {
        case .convert(let conversion): conversion.container.contentType
        case .snapshots(let series): series.format.contentType
        }
        for (file, key) in zip(files, keys) {
            try await store(file, bucket: target, key: key, contentType: contentType)
        }
        return keys
    }

    /// Runs `body` while renewing the lease every third of it; the work is cancelled (ffmpeg killed) as soon as
    /// the job is cancelled or the lease is found taken.
    private func withHeartbeat<Result: Sendable>(_ job: MediaJob, holder: String, progress: NIOLockedValueBox<Int>,
                                                 _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let jobs = self.jobs
        let lease = self.lease
        let clock = self.clock
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(max(1, lease / 3)))
                    let share = progress.withLockedValue { $0 }
                    guard try await jobs.renewJob(id: job.id, holder: holder, now: clock(), lease: lease, progress: share) else {
                        throw LeaseLost()
                    }
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw LeaseLost()
        }
    }

    /// One output as an object: streamed from the file, committed whole (a crash before the commit leaves only a
    /// staged blob, which recovery removes).
    private func store(_ path: String, bucket: BucketRecord, key: String, contentType: String) async throws {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
        _ = try await objects.put(bucket: bucket, key: key, body: FileChunks(path: path), expectedLength: size, contentMD5: nil,
                                  attributes: ObjectAttributes(contentType: contentType), forbidOverwrite: false)
    }
}

/// A file's bytes as a sequence of 1 MiB buffers, read as they are asked for.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?

        mutating func next() async throws -> ByteBuffer? {
            guard let handle else { throw MediaError.internalFailure("A media output file could not be opened.") }
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}
