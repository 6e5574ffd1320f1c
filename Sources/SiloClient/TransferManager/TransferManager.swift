import Foundation

/// Runs an app's uploads and downloads as transfers it can name, list, pause, resume and cancel, across app
/// launches.
///
/// Each transfer has a stable id (the app's, or a new UUID) and a record in a ``TransferStore``; its checkpoint
/// sits beside the record, named by that id. A bounded number run at once (`maxConcurrentTransfers`); their parts
/// share the client's request limit. After a relaunch, `restore()` lists what was unfinished and queues what
/// was running. Progress and state reach the app as snapshots through `updates()` (any number of watchers), a
/// Foundation `Progress` per transfer (whose pause and cancel drive the transfer) and, on Apple platforms,
/// ``ObservableTransfers`` for SwiftUI.
public actor TransferManager {
    public struct Configuration: Sendable {
        /// Transfers running at once; the rest wait, queued, in the order they came.
        public var maxConcurrentTransfers = 2
        /// Parts in flight per transfer.
        public var partConcurrency = 3
        public var partSize: Int64 = 8 << 20

        public init(maxConcurrentTransfers: Int = 2) {
            self.maxConcurrentTransfers = maxConcurrentTransfers
        }
    }

    public let client: OSSClient
    public let store: TransferStore
    public let configuration: Configuration
    private var records: [String: TransferRecord] = [:]
    private var runs: [String: Task<Void, Never>] = [:]
    private var reporters: [String: TransferProgress.Reporter] = [:]
    private var finishWaiters: [String: [CheckedContinuation<TransferSnapshot, any Error>]] = [:]
    /// The error that stopped each failed transfer in this launch, for `wait(for:)`.
    private var failures: [String: any Error] = [:]
    private let feed = SnapshotFeed()
    private let foundationProgress = Locked<[String: Progress]>([:])

    /// Reads the store; nothing runs until `restore()` or a new transfer.
    public init(client: OSSClient, store: TransferStore = TransferStore(), configuration: Configuration = Configuration()) {
        self.client = client
        self.store = store
        self.configuration = configuration
        for var record in store.loadAll() {
            // Running when the app died: it goes back in the queue and continues from its checkpoint.
            if record.state == .running { record.state = .queued }
            records[record.id] = record
        }
    }

    // MARK: - Starting

    /// Lists the transfers found in the store and starts the queued ones.
    @discardableResult
    public func restore() -> [TransferSnapshot] {
        schedule()
        return list()
    }

    /// Queues an upload of `file` to `bucket`/`key`. An id already in use with the same file and key is that
    /// transfer (resumed if paused or failed); with anything else it is refused.
    @discardableResult
    public func upload(_ file: URL, bucket: String, key: String, id: String = UUID().uuidString,
                       options: ObjectOptions = ObjectOptions()) throws -> TransferSnapshot {
        try Bucket.validate(key: key)
        guard FileManager.default.isReadableFile(atPath: file.path) else {
            throw OSSClientError.invalidArgument("cannot read \(file.path)")
        }
        return try enqueue(TransferRecord(id: id, kind: .upload, bucket: bucket, key: key,
                                          file: ContainerPath(file, root: store.containerRoot), state: .queued,
                                          created: Date(), objectOptions: options, partSize: configuration.partSize))
    }

    /// Queues a download of `bucket`/`key` into `file` (written in place only when complete and verified).
    @discardableResult
    public func download(bucket: String, key: String, to file: URL, id: String = UUID().uuidString) throws -> TransferSnapshot {
        try Bucket.validate(key: key)
        return try enqueue(TransferRecord(id: id, kind: .download, bucket: bucket, key: key,
                                          file: ContainerPath(file, root: store.containerRoot), state: .queued,
                                          created: Date(), objectOptions: nil, partSize: configuration.partSize))
    }

    private func enqueue(_ record: TransferRecord) throws -> TransferSnapshot {
        if let existing = records[record.id] {
            guard existing.kind == record.kind, existing.bucket == record.bucket, existing.key == record.key,
                existing.file == record.file
            else { throw OSSClientError.invalidArgument("transfer id \(record.id) is already used by another transfer") }
            if existing.state == .paused || existing.state == .failed { try resume(record.id) }
            schedule()  // queued by an earlier launch
            return snapshot(records[record.id] ?? existing)
        }
        try store.save(record)
        records[record.id] = record
        publish(record)
        schedule()
        return snapshot(records[record.id] ?? record)
    }

    // MARK: - Control

    /// Stops a queued or running transfer, keeping its checkpoint; `resume` continues it.
    public func pause(_ id: String) throws {
        guard var record = records[id] else { throw unknown(id) }
        guard record.state == .queued || record.state == .running else { return }
        record.state = .paused
        try update(record)
        runs[id]?.cancel()  // the run ends as cancelled and leaves the record as it is now
    }

    /// Queues a paused or failed transfer again.
    public func resume(_ id: String) throws {
        guard var record = records[id] else { throw unknown(id) }
        guard record.state == .paused || record.state == .failed else { return }
        record.state = .queued
        record.failure = nil
        failures[id] = nil
        try update(record)
        schedule()
    }

    /// Gives a transfer up: a running one is stopped, an upload's parts are aborted on the server, the checkpoint,
    /// a partial download and the record are removed. A completed transfer is only forgotten.
    public func cancel(_ id: String) async throws {
        guard var record = records[id] else { throw unknown(id) }
        if let run = runs[id] {
            record.state = .paused  // whatever the run reports on its way out, it is not a failure
            records[id] = record
            run.cancel()
            await run.value
        }
        if record.state != .completed {
            try await discard(record)
        }
        record.state = .cancelled
        records[id] = nil
        failures[id] = nil
        store.remove(id)
        publish(record)
        finishWaiters.removeValue(forKey: id)?.forEach { $0.resume(returning: snapshot(record)) }
        foundationProgress.withLock { _ = $0.removeValue(forKey: id) }
        schedule()
    }

    /// Forgets completed transfers.
    public func removeCompleted() {
        for (id, record) in records where record.state == .completed { forget(id) }
    }

    /// Forgets one completed transfer, so its id can name a new one.
    public func forget(_ id: String) {
        guard let record = records[id], record.state == .completed else { return }
        records[id] = nil
        store.remove(id)
        foundationProgress.withLock { _ = $0.removeValue(forKey: id) }
    }

    // MARK: - Watching

    /// Every transfer the manager knows, oldest first.
    public func list() -> [TransferSnapshot] {
        records.values.sorted { ($0.created, $0.id) < ($1.created, $1.id) }.map(snapshot)
    }

    public func transfer(_ id: String) -> TransferSnapshot? { records[id].map(snapshot) }

    /// Snapshots of every change (state and throttled progress), from now on, for one watcher each call.
    public nonisolated func updates() -> AsyncStream<TransferSnapshot> { feed.subscribe() }

    /// Waits until the transfer completes, is paused or is cancelled, and returns how it ended; throws the error
    /// that made it fail (a failure recorded by an earlier launch comes back as a `failed` snapshot).
    public func wait(for id: String) async throws -> TransferSnapshot {
        guard let record = records[id] else { throw unknown(id) }
        guard record.state == .queued || record.state == .running else { return try settled(record) }
        return try await withCheckedThrowingContinuation { finishWaiters[id, default: []].append($0) }
    }

    private func settled(_ record: TransferRecord) throws -> TransferSnapshot {
        if record.state == .failed, let error = failures[record.id] { throw error }
        return snapshot(record)
    }

    /// Foundation's view of one transfer, in bytes, for `ProgressView` or a progress tree; calling its `pause()`,
    /// `resume()` or `cancel()` does the same to the transfer.
    public func progress(for id: String) throws -> Progress {
        guard let record = records[id] else { throw unknown(id) }
        return foundationProgress.withLock { table in
            if let existing = table[id] { return existing }
            let progress = Progress(totalUnitCount: record.totalBytes ?? -1)
            progress.kind = .file
            progress.completedUnitCount = record.bytesTransferred
            progress.isPausable = true
            progress.isCancellable = true
            progress.pausingHandler = { [weak self] in Task { try? await self?.pause(id) } }
            progress.resumingHandler = { [weak self] in Task { try? await self?.resume(id) } }
            progress.cancellationHandler = { [weak self] in Task { try? await self?.cancel(id) } }
            table[id] = progress
            return progress
        }
    }

    // MARK: - Running

    private func schedule() {
        let slots = Swift.max(1, configuration.maxConcurrentTransfers) - runs.count
        guard slots > 0 else { return }
        let next = records.values.filter { $0.state == .queued }
            .sorted { ($0.created, $0.id) < ($1.created, $1.id) }.prefix(slots)
        for var record in next {
            record.state = .running
            try? update(record)
            start(record)
        }
    }

    private func start(_ record: TransferRecord) {
        let reporter = TransferProgress.Reporter(minimumInterval: .milliseconds(200))
        reporters[record.id] = reporter
        let id = record.id
        let watch = Task { [weak self] in
            for await progress in reporter.observe() { await self?.progressed(id, progress) }
        }
        let work = makeWork(record, reporter: reporter)
        runs[id] = Task {
            let outcome: Result<Completion, any Error>
            do {
                outcome = .success(try await work())
            } catch {
                outcome = .failure(error)
            }
            watch.cancel()
            self.ended(id, outcome)
        }
    }

    private func makeWork(_ record: TransferRecord, reporter: TransferProgress.Reporter) -> @Sendable () async throws -> Completion {
        let bucket = client.bucket(record.bucket)
        let file = record.file.resolve(against: store.containerRoot)
        switch record.kind {
        case .upload:
            let options = uploadOptions(record)
            return {
                let result = try await bucket.resumableUpload(record.key, file: file, options: options, progress: reporter)
                return Completion(etag: result.etag, crc64: result.crc64, callbackBody: result.callbackBody)
            }
        case .download:
            let options = downloadOptions(record)
            return {
                let info = try await bucket.resumableDownload(record.key, to: file, options: options, progress: reporter)
                return Completion(etag: info.etag, crc64: info.crc64)
            }
        }
    }

    private func uploadOptions(_ record: TransferRecord) -> ResumableUploadOptions {
        var options = ResumableUploadOptions(checkpointDirectory: store.checkpoints, transferId: record.id)
        options.partSize = record.partSize
        options.concurrency = configuration.partConcurrency
        options.objectOptions = record.objectOptions ?? ObjectOptions()
        return options
    }

    private func downloadOptions(_ record: TransferRecord) -> ResumableDownloadOptions {
        var options = ResumableDownloadOptions(checkpointDirectory: store.checkpoints, transferId: record.id)
        options.partSize = record.partSize
        options.concurrency = configuration.partConcurrency
        return options
    }

    private func progressed(_ id: String, _ progress: TransferProgress) {
        guard var record = records[id], record.state == .running else { return }
        record.bytesTransferred = progress.bytesTransferred
        record.totalBytes = progress.totalBytes ?? record.totalBytes
        records[id] = record  // progress is not persisted each time: the checkpoint holds the truth
        publish(record)
    }

    private func ended(_ id: String, _ outcome: Result<Completion, any Error>) {
        runs[id] = nil
        let latest = reporters.removeValue(forKey: id)?.latest
        guard var record = records[id] else {
            schedule()
            return
        }
        if let latest {
            record.bytesTransferred = latest.bytesTransferred
            record.totalBytes = latest.totalBytes ?? record.totalBytes
        }
        switch outcome {
        case .success(let completion):
            record.state = .completed
            record.etag = completion.etag
            record.crc64 = completion.crc64
            record.callbackBody = completion.callbackBody
            failures[id] = nil
            if let total = record.totalBytes { record.bytesTransferred = total }
        case .failure(let error):
            let stoppedOnPurpose = record.state == .paused
            if !stoppedOnPurpose {
                record.state = .failed
                record.failure = (error as? OSSClientError)?.description ?? String(describing: error)
                failures[id] = error
            }
        }
        try? update(record)
        if record.state != .running && record.state != .queued {
            let outcome = Result { try settled(record) }
            finishWaiters.removeValue(forKey: id)?.forEach { $0.resume(with: outcome) }
        }
        schedule()
    }

    private func discard(_ record: TransferRecord) async throws {
        let bucket = client.bucket(record.bucket)
        let file = record.file.resolve(against: store.containerRoot)
        switch record.kind {
        case .upload: try await bucket.discardResumableUpload(record.key, file: file, options: uploadOptions(record))
        case .download: bucket.discardResumableDownload(record.key, to: file, options: downloadOptions(record))
        }
    }

    // MARK: - Bookkeeping

    private func update(_ record: TransferRecord) throws {
        records[record.id] = record
        try store.save(record)
        publish(record)
    }

    private func publish(_ record: TransferRecord) {
        let snapshot = snapshot(record)
        feed.send(snapshot)
        if let progress = foundationProgress.withLock({ $0[record.id] }) {
            if let total = snapshot.progress.totalBytes { progress.totalUnitCount = total }
            progress.completedUnitCount = snapshot.progress.bytesTransferred
        }
    }

    private func snapshot(_ record: TransferRecord) -> TransferSnapshot {
        let live = reporters[record.id]?.latest
        let progress = TransferProgress(bytesTransferred: record.bytesTransferred, totalBytes: record.totalBytes,
                                        bytesPerSecond: record.state == .running ? live?.bytesPerSecond ?? 0 : 0,
                                        isFinished: record.state == .completed)
        return TransferSnapshot(id: record.id, kind: record.kind, bucket: record.bucket, key: record.key,
                                file: record.file.resolve(against: store.containerRoot), state: record.state,
                                progress: progress, failure: record.failure, etag: record.etag, crc64: record.crc64,
                                callbackBody: record.callbackBody, created: record.created)
    }

    private struct Completion: Sendable {
        var etag: String
        var crc64: UInt64?
        var callbackBody: Data?
    }

    private func unknown(_ id: String) -> OSSClientError {
        OSSClientError.invalidArgument("no transfer with id \(id)")
    }
}

/// Fans snapshots out to every current watcher; one that falls 256 snapshots behind loses the oldest, never
/// blocks the manager.
final class SnapshotFeed: Sendable {
    private let watchers = Locked<[UUID: AsyncStream<TransferSnapshot>.Continuation]>([:])

    func subscribe() -> AsyncStream<TransferSnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: TransferSnapshot.self, bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        watchers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.watchers.withLock { $0[id] = nil } }
        return stream
    }

    func send(_ snapshot: TransferSnapshot) {
        for watcher in watchers.withLock({ Array($0.values) }) { watcher.yield(snapshot) }
    }
}
