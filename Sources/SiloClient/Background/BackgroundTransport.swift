import Foundation
import HTTPTypes
import SiloCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A transport whose uploads and downloads run in a ``BackgroundTaskSystem``, so they go on while the app is
/// suspended or killed, and whose small requests (initiate, complete, list, head) go through an ordinary
/// URLSession, as background sessions accept only file uploads and downloads.
///
/// Each system task is described by what it does (method, URL, range), which is the same when the relaunched
/// app asks again: a request whose task is still running re-attaches to it instead of sending twice, and one
/// whose task ended while the app was away is answered from the ledger, a folder of outcomes kept on disk until
/// asked for. Bodies go up from files: parts and streams are copied to spool files under the store, which the
/// system reads after the app is gone.
///
/// Wire it to a ``TransferManager`` through the client, and hand the app delegate's completion handler to
/// ``BackgroundTaskSystem/handleEvents(forBackgroundURLSession:completionHandler:)``.
public final class BackgroundTransport: Transport, @unchecked Sendable {
    public let system: BackgroundTaskSystem
    private let foreground: URLSessionTransport
    let ledger: URL
    private let spool: URL
    private let lock = NSLock()
    private struct Waiter {
        let token: UUID
        let continuation: CheckedContinuation<BackgroundTaskSystem.Completion, any Error>
    }

    private var waiters: [String: Waiter] = [:]
    private var watchers: [String: @Sendable (Int64, Int64?) -> Void] = [:]
    private var gone = false
    private var counts = Activity()

    /// What the transport did with the requests that went to the system, for logs and tests.
    public struct Activity: Sendable, Hashable {
        /// New system tasks.
        public var started = 0
        /// Requests joined to a task the system was still running from an earlier launch.
        public var reattached = 0
        /// Requests answered by a task that ended while the app was away.
        public var answeredFromLedger = 0
    }

    public var activity: Activity { lock.withLock { counts } }

    /// The app side is gone (`BackgroundTaskSystem.detach()`): its requests fail, its system tasks go on.
    public struct Detached: Error, CustomStringConvertible {
        public var description: String { "the app was detached from its background session" }
    }

    /// - Parameters:
    ///   - system: the system that runs the uploads and downloads (one per background session identifier).
    ///   - directory: where the ledger and the spool live; keep it beside the transfer store.
    ///   - configuration: the client's settings; the small requests' session takes its timeout and connection limit.
    ///   - sessionConfiguration: the app's network settings for the small requests.
    public init(system: BackgroundTaskSystem, directory: URL, configuration: ClientConfiguration = ClientConfiguration(),
                sessionConfiguration: URLSessionConfiguration = .default) {
        self.system = system
        foreground = URLSessionTransport(configuration: configuration, sessionConfiguration: sessionConfiguration)
        ledger = directory.appendingPathComponent("ledger", isDirectory: true)
        spool = directory.appendingPathComponent("spool", isDirectory: true)
        Self.sweep(spool)
        Self.sweep(ledger)
        system.attach(self)
    }

    /// Spool files the system may still be reading, and outcomes not yet asked for, are kept; anything older than
    /// a background task may live (a week) is left from a launch that died, or answers a request made no more
    /// (an upload's part the next launch found stored), and goes.
    private static func sweep(_ folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        let limit = Date().addingTimeInterval(-7 * 24 * 3600)
        for name in names {
            let url = folder.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast
            if modified < limit { try? FileManager.default.removeItem(at: url) }
        }
    }

    public var downloadsToFiles: Bool { true }
    public var uploadsFromFiles: Bool { true }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let body: SpoolFile?
        var ownsFile = true
        switch request.body {
        case .empty, .data: return try await foreground.send(request)
        case .file(let file, let offset, let length):
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value
            if offset == 0, size == length {
                body = SpoolFile(url: file, length: length)
                ownsFile = false
            } else {
                body = try SpoolFile.slice(of: file, offset: offset, length: length, into: spool)
            }
        case .stream(let stream, let length):
            body = try await SpoolFile.drain(stream, declaredLength: length, into: spool)
        }
        guard let body else { return try await foreground.send(request) }
        var outgoing = try URLSessionTransport.urlRequest(request.head)
        outgoing.setValue(String(body.length), forHTTPHeaderField: "Content-Length")
        let urlRequest = outgoing
        let description = Self.describe(request.head)
        var progress: (@Sendable (Int64, Int64?) -> Void)?
        if let sent = request.onBytesSent { progress = { count, _ in sent(count) } }
        let completion: BackgroundTaskSystem.Completion
        do {
            completion = try await run(description, progress: progress) {
                self.system.session.uploadTask(with: urlRequest, fromFile: body.url)
            }
        } catch is Detached {
            throw TransportError(Detached().description)  // the system may still be reading the spool file
        } catch {
            if ownsFile { body.remove() }
            throw error
        }
        if ownsFile { body.remove() }
        guard let response = completion.response else { throw TransportError("no response") }
        return TransportResponse(head: URLSessionTransport.head(of: response), body: .data(completion.body))
    }

    public func download(_ request: TransportRequest, to file: URL) async throws -> HTTPResponse {
        let urlRequest = try URLSessionTransport.urlRequest(request.head)
        let description = Self.describe(request.head)
        let completion = try await run(description, progress: request.onBytesReceived) {
            self.system.session.downloadTask(with: urlRequest)
        }
        guard let response = completion.response, let held = completion.heldFile else { throw TransportError("no response") }
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        try FileManager.default.moveItem(at: held, to: file)
        return URLSessionTransport.head(of: response)
    }

    public func shutdown() async throws {
        try await foreground.shutdown()
    }

    /// What a system task does, the same for the same request in the next launch (the signature is not part of it).
    static func describe(_ head: HTTPRequest) -> String {
        var parts = ["silo-1", head.method.rawValue, head.authority ?? "", head.path ?? ""]
        if let range = head.headerFields[HTTPField.Name("Range")!] { parts.append(range) }
        if let match = head.headerFields[HTTPField.Name("If-Match")!] { parts.append(match) }
        return parts.joined(separator: " ")
    }

    // MARK: - Tasks

    /// Answers from the ledger, or re-attaches to the system's task with this description, or starts one. The
    /// waiter is registered first: a task that ends while this looks finds it, so nothing is sent twice.
    private func run(_ description: String, progress: (@Sendable (Int64, Int64?) -> Void)?,
                     start: @escaping @Sendable () -> URLSessionTask) async throws -> BackgroundTaskSystem.Completion {
        let token = UUID()
        let completion: BackgroundTaskSystem.Completion = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if gone || waiters[description] != nil {
                    lock.unlock()
                    continuation.resume(throwing: gone ? Detached() : TransportError("the same request is already in flight"))
                    return
                }
                waiters[description] = Waiter(token: token, continuation: continuation)
                if let progress { watchers[description] = progress }
                lock.unlock()
                Task { await self.proceed(description, token: token, start: start) }
            }
        } onCancel: {
            // The app stopped this transfer (a pause, a cancel): the system's task stops too. A suspended or
            // killed app cancels nothing, and its tasks go on (the cancellations its detaching sets off included).
            guard !self.lock.withLock({ self.gone }) else { return }
            Task { await self.system.cancel(description) }
        }
        return try outcome(completion)
    }

    private func proceed(_ description: String, token: UUID, start: @escaping @Sendable () -> URLSessionTask) async {
        if let recorded = takeFromLedger(description) {
            if let waiter = claim(description, token) {
                lock.withLock { counts.answeredFromLedger += 1 }
                waiter.resume(returning: recorded)
            }
            return
        }
        if await system.isOutstanding(description) {
            lock.withLock { if waiters[description]?.token == token { counts.reattached += 1 } }
            return  // its end comes to the waiter
        }
        let stillWaiting = lock.withLock { () -> Bool in
            guard waiters[description]?.token == token else { return false }  // answered meanwhile
            counts.started += 1
            return true
        }
        if stillWaiting { system.start(description, start) }
    }

    /// Takes the waiter if it is still the one registered with `token`.
    private func claim(_ description: String, _ token: UUID) -> CheckedContinuation<BackgroundTaskSystem.Completion, any Error>? {
        lock.withLock {
            guard waiters[description]?.token == token else { return nil }
            watchers[description] = nil
            return waiters.removeValue(forKey: description)?.continuation
        }
    }

    private func outcome(_ completion: BackgroundTaskSystem.Completion) throws -> BackgroundTaskSystem.Completion {
        if let error = completion.error as? URLError {
            let failure = NetworkFailure.classify(error)
            throw error.code == .cancelled ? CancellationError() : TransportError(failure.message, cause: failure.cause)
        } else if let error = completion.error {
            throw TransportError(String(describing: error))
        }
        return completion
    }

    /// Called by the system as a task ends: the waiting request gets it, else the ledger keeps it.
    func ended(_ completion: BackgroundTaskSystem.Completion) {
        // The ledger is written under the lock that registers waiters: a request registered after this is sure
        // to find the entry, one registered before is answered here.
        let waiter = lock.withLock { () -> CheckedContinuation<BackgroundTaskSystem.Completion, any Error>? in
            watchers[completion.description] = nil
            if let waiter = waiters.removeValue(forKey: completion.description) { return waiter.continuation }
            if completion.error == nil {
                record(completion)  // a failure needs no keeping: the request is simply sent again
            } else if let file = completion.heldFile {
                try? FileManager.default.removeItem(at: file)
            }
            return nil
        }
        waiter?.resume(returning: completion)
    }

    func moved(_ description: String, bytes: Int64, expected: Int64?) {
        lock.withLock { watchers[description] }?(bytes, expected)
    }

    /// The app is gone: whoever waited in it hears so; the system's tasks run on.
    func detached() {
        let waiting = lock.withLock { () -> [CheckedContinuation<BackgroundTaskSystem.Completion, any Error>] in
            gone = true
            defer { waiters = [:]; watchers = [:] }
            return waiters.values.map(\.continuation)
        }
        for waiter in waiting { waiter.resume(throwing: Detached()) }
    }

    // MARK: - The ledger

    private struct LedgerEntry: Codable {
        var description: String
        var status: Int
        var headers: [String: String]
        var body: Data
        var file: String?
    }

    private func ledgerURL(_ description: String) -> URL {
        ledger.appendingPathComponent(String(CRC64.checksum(Array(description.utf8)), radix: 16) + ".json")
    }

    private func record(_ completion: BackgroundTaskSystem.Completion) {
        guard let response = completion.response else { return }
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        var kept: String?
        if let held = completion.heldFile {
            let target = ledger.appendingPathComponent(held.lastPathComponent + ".body")
            try? FileManager.default.createDirectory(at: ledger, withIntermediateDirectories: true)
            if (try? FileManager.default.moveItem(at: held, to: target)) != nil { kept = target.lastPathComponent }
        }
        let entry = LedgerEntry(description: completion.description, status: response.statusCode, headers: headers,
                                body: completion.body, file: kept)
        try? AtomicJSON.write(entry, to: ledgerURL(completion.description))
    }

    private func takeFromLedger(_ description: String) -> BackgroundTaskSystem.Completion? {
        let url = ledgerURL(description)
        guard let entry = AtomicJSON.read(LedgerEntry.self, from: url), entry.description == description,
            let address = URL(string: "http://" + description.split(separator: " ").dropFirst(2).prefix(2).joined()),
            let response = HTTPURLResponse(url: address, statusCode: entry.status, httpVersion: "HTTP/1.1", headerFields: entry.headers)
        else { return nil }
        try? FileManager.default.removeItem(at: url)
        return BackgroundTaskSystem.Completion(description: description, response: response, body: entry.body,
                                               heldFile: entry.file.map { ledger.appendingPathComponent($0) }, error: nil)
    }
}
