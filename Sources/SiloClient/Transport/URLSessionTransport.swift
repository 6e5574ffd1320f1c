import Foundation
import HTTPTypes
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The URLSession transport, the default on Apple platforms. Files go up with `uploadTask(fromFile:)`;
/// responses stream through the delegate, and the task is suspended while the reader lags so memory stays
/// bounded. (On Linux, prefer `AsyncHTTPClientTransport`: Foundation's URLSession there lacks streaming, and its
/// file uploads can trap when a connection is reset mid-body; PERFORMANCE.md, "URLSession on Linux".)
public final class URLSessionTransport: Transport {
    let session: URLSession
    private let delegate: SessionDelegate

    /// - Parameters:
    ///   - configuration: the client's settings; the transport takes its timeout and connection limit from them.
    ///   - sessionConfiguration: the app's own network settings, kept as they are: cellular and constrained
    ///     (Low Data Mode) access, `waitsForConnectivity`, proxies, extra headers, TLS minimums. A copy is used.
    ///     URLSession has no connect-only timeout: connecting counts against the request's idle timeout, which
    ///     is `socketTimeout`.
    ///   - taskMetrics: called with each finished task's `URLSessionTaskMetrics` (DNS, connect, TLS and transfer
    ///     times, connection reuse, protocol), for an app's own diagnostics. Apple platforms deliver them;
    ///     Foundation on Linux never does.
    public init(configuration: ClientConfiguration = ClientConfiguration(),
                sessionConfiguration: URLSessionConfiguration = .ephemeral,
                taskMetrics: (@Sendable (URLSessionTaskMetrics) -> Void)? = nil) {
        // URLSessionConfiguration is a class: the app's instance stays untouched.
        let settings = sessionConfiguration.copy() as! URLSessionConfiguration
        settings.timeoutIntervalForRequest = Self.seconds(configuration.socketTimeout)
        settings.timeoutIntervalForResource = 7 * 24 * 3600
        settings.httpMaximumConnectionsPerHost = max(1, configuration.maxConcurrentRequests)
        settings.httpShouldSetCookies = false
        settings.urlCache = nil
        delegate = SessionDelegate(taskMetrics: taskMetrics)
        session = URLSession(configuration: settings, delegate: delegate, delegateQueue: nil)
    }

    public var downloadsToFiles: Bool { true }
    public var uploadsFromFiles: Bool { true }

    static func urlRequest(_ head: HTTPRequest) throws -> URLRequest {
        guard let scheme = head.scheme, let authority = head.authority, let path = head.path,
            let url = URL(string: scheme + "://" + authority + path)
        else { throw TransportError("request without a valid URL") }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = head.method.rawValue
        for field in head.headerFields { urlRequest.addValue(field.value, forHTTPHeaderField: field.name.rawName) }
        return urlRequest
    }

    static func head(of response: HTTPURLResponse) -> HTTPResponse {
        var fields = HTTPFields()
        for (name, value) in response.allHeaderFields {
            guard let name = name as? String, let value = value as? String, let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return HTTPResponse(status: .init(code: response.statusCode), headerFields: fields)
    }

    /// A download task: the system writes the body to disk as it arrives, so nothing waits in memory for a slow
    /// reader, and the same task can run in a background session.
    public func download(_ request: TransportRequest, to file: URL) async throws -> HTTPResponse {
        guard request.body.length == 0 else { throw TransportError("a download carries no request body") }
        let task = session.downloadTask(with: try Self.urlRequest(request.head))
        let exchange = DownloadExchange(destination: file, onBytesReceived: request.onBytesReceived)
        delegate.register(exchange, for: task)
        return try await withTaskCancellationHandler {
            task.resume()
            return Self.head(of: try await exchange.response())
        } onCancel: {
            task.cancel()
        }
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var urlRequest = try Self.urlRequest(request.head)

        // Every body but one already in memory goes up from a file, which the system reads as it sends.
        var spool: SpoolFile?
        let task: URLSessionTask
        switch request.body {
        case .empty:
            task = session.dataTask(with: urlRequest)
        case .data(let data):
            task = session.uploadTask(with: urlRequest, from: data)
        case .file(let file, let offset, let length):
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value
            if offset == 0, size == length {
                task = session.uploadTask(with: urlRequest, fromFile: file)
            } else {
                // A part: a slice of the file, copied out so it is never held in memory.
                let slice = try await BlockingIO.run { try SpoolFile.slice(of: file, offset: offset, length: length) }
                spool = slice
                task = session.uploadTask(with: urlRequest, fromFile: slice.url)
            }
        case .stream(let stream, let length):
            // URLSession on Linux cannot stream a request body, and a background session only sends files.
            let drained = try await SpoolFile.drain(stream, declaredLength: length)
            spool = drained
            if length == nil { urlRequest.setValue(String(drained.length), forHTTPHeaderField: "Content-Length") }
            task = session.uploadTask(with: urlRequest, fromFile: drained.url)
        }
        let exchange = Exchange(task: task, spool: spool, onBytesSent: request.onBytesSent)
        delegate.register(exchange, for: task)
        return try await withTaskCancellationHandler {
            task.resume()
            let response = try await exchange.response()
            // The body is read after this handler has returned: its reads carry their own cancellation, so a
            // cancelled reader stops the download. (A body merely released is left to finish: cancelling a task
            // from the release crashed FoundationNetworking, NativeProtocol.swift:69, in 1 GiB downloads.)
            return TransportResponse(head: Self.head(of: response),
                                     body: ByteStream { try await exchange.nextChunk() })
        } onCancel: {
            task.cancel()
        }
    }

    public func shutdown() async throws { session.invalidateAndCancel() }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}

/// One request's state, fed by the delegate and drained by the response body's reader.
private final class Exchange: @unchecked Sendable {
    private struct State {
        var response: HTTPURLResponse?
        var responseWaiter: CheckedContinuation<HTTPURLResponse, any Error>?
        var chunks: [Data] = []
        var buffered = 0
        var suspended = false
        var finished = false
        var failure: (any Error)?
        var chunkWaiter: CheckedContinuation<Data?, any Error>?
    }

    static let highWater = 4 << 20
    static let lowWater = 1 << 20
    #if canImport(FoundationNetworking)
    /// Foundation's URLSession on Linux carries out `suspend()` later, on its own queue, and traps there
    /// (NativeProtocol.swift:69) when the task has meanwhile finished or been resumed; so there the reader's pace
    /// is not pushed back to the network, and what the reader has not yet taken stays buffered. The SDK's own
    /// readers write each chunk to disk as it comes, and a ranged part is at most the part size.
    static let suspendsWhenReaderLags = false
    #else
    static let suspendsWhenReaderLags = true
    #endif
    let task: URLSessionTask
    /// The request body's temporary copy, removed once the task has ended.
    let spool: SpoolFile?
    let onBytesSent: (@Sendable (Int64) -> Void)?
    private let lock = NSLock()
    private var state = State()

    init(task: URLSessionTask, spool: SpoolFile?, onBytesSent: (@Sendable (Int64) -> Void)?) {
        self.task = task
        self.spool = spool
        self.onBytesSent = onBytesSent
    }

    func response() async throws -> HTTPURLResponse {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let response = state.response {
                lock.unlock()
                continuation.resume(returning: response)
            } else if let failure = state.failure {
                lock.unlock()
                continuation.resume(throwing: failure)
            } else {
                state.responseWaiter = continuation
                lock.unlock()
            }
        }
    }

    /// Stops the task and fails whoever waits: the reader was cancelled.
    func cancel() {
        lock.lock()
        guard !state.finished, state.failure == nil else {
            lock.unlock()
            return
        }
        state.failure = CancellationError()
        let responseWaiter = state.responseWaiter
        state.responseWaiter = nil
        let chunkWaiter = state.chunkWaiter
        state.chunkWaiter = nil
        state.chunks.removeAll()
        state.buffered = 0
        lock.unlock()
        task.cancel()
        responseWaiter?.resume(throwing: CancellationError())
        chunkWaiter?.resume(throwing: CancellationError())
    }

    func nextChunk() async throws -> Data? {
        try await withTaskCancellationHandler {
            try await waitForChunk()
        } onCancel: {
            self.cancel()
        }
    }

    private func waitForChunk() async throws -> Data? {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if !state.chunks.isEmpty {
                let chunk = state.chunks.removeFirst()
                state.buffered -= chunk.count
                let resume = state.suspended && state.buffered < Self.lowWater
                if resume { state.suspended = false }
                lock.unlock()
                if resume { task.resume() }
                continuation.resume(returning: chunk)
            } else if let failure = state.failure {
                lock.unlock()
                continuation.resume(throwing: failure)
            } else if state.finished {
                lock.unlock()
                continuation.resume(returning: nil)
            } else {
                state.chunkWaiter = continuation
                lock.unlock()
            }
        }
    }

    func received(response: URLResponse) {
        lock.lock()
        guard let http = response as? HTTPURLResponse else {
            lock.unlock()
            fail(TransportError("not an HTTP response"))
            return
        }
        state.response = http
        let waiter = state.responseWaiter
        state.responseWaiter = nil
        lock.unlock()
        waiter?.resume(returning: http)
    }

    func received(data: Data) {
        lock.lock()
        if state.failure != nil {
            lock.unlock()
            return  // cancelled: nobody will read it
        }
        if let waiter = state.chunkWaiter {
            state.chunkWaiter = nil
            lock.unlock()
            waiter.resume(returning: data)
            return
        }
        state.chunks.append(data)
        state.buffered += data.count
        let suspend = Self.suspendsWhenReaderLags && !state.suspended && state.buffered > Self.highWater
        if suspend { state.suspended = true }
        lock.unlock()
        if suspend { task.suspend() }
    }

    func completed(error: (any Error)?) {
        spool?.remove()
        lock.lock()
        if let error, state.failure == nil {
            if let error = error as? URLError {
                let failure = NetworkFailure.classify(error)
                state.failure = error.code == .cancelled ? CancellationError() : TransportError(failure.message, cause: failure.cause)
            } else {
                state.failure = TransportError(error.localizedDescription)
            }
        }
        state.finished = true
        let responseWaiter = state.responseWaiter
        state.responseWaiter = nil
        let chunkWaiter = state.chunkWaiter
        state.chunkWaiter = nil
        let failure = state.failure
        lock.unlock()
        if let responseWaiter { responseWaiter.resume(throwing: failure ?? TransportError("no response")) }
        if let chunkWaiter {
            if let failure { chunkWaiter.resume(throwing: failure) } else { chunkWaiter.resume(returning: nil) }
        }
    }

    func fail(_ error: any Error) {
        task.cancel()
        completed(error: error)
    }
}

/// One download task's outcome: the body moved to its destination, then the response or the failure.
private final class DownloadExchange: @unchecked Sendable {
    let destination: URL
    let onBytesReceived: (@Sendable (Int64, Int64?) -> Void)?
    private let lock = NSLock()
    private var moveFailure: (any Error)?
    private var outcome: Result<HTTPURLResponse, any Error>?
    private var waiter: CheckedContinuation<HTTPURLResponse, any Error>?

    init(destination: URL, onBytesReceived: (@Sendable (Int64, Int64?) -> Void)?) {
        self.destination = destination
        self.onBytesReceived = onBytesReceived
    }

    /// The system's file is removed when this callback returns, so it is moved now.
    func finished(at location: URL) {
        do {
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            try FileManager.default.moveItem(at: location, to: destination)
        } catch {
            lock.lock()
            moveFailure = error
            lock.unlock()
        }
    }

    func completed(task: URLSessionTask, error: (any Error)?) {
        let result: Result<HTTPURLResponse, any Error>
        lock.lock()
        if let error = error as? URLError {
            let failure = NetworkFailure.classify(error)
            result = .failure(error.code == .cancelled ? CancellationError() : TransportError(failure.message, cause: failure.cause))
        } else if let error {
            result = .failure(TransportError(error.localizedDescription))
        } else if let moveFailure {
            result = .failure(moveFailure)
        } else if let response = task.response as? HTTPURLResponse {
            result = .success(response)
        } else {
            result = .failure(TransportError("not an HTTP response"))
        }
        outcome = result
        let waiting = waiter
        waiter = nil
        lock.unlock()
        waiting?.resume(with: result)
    }

    func response() async throws -> HTTPURLResponse {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let outcome {
                lock.unlock()
                continuation.resume(with: outcome)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}

/// Routes URLSession's callbacks to the exchange of each task.
private final class SessionDelegate: NSObject, URLSessionDataDelegate, URLSessionDownloadDelegate, @unchecked Sendable {
    private let taskMetrics: (@Sendable (URLSessionTaskMetrics) -> Void)?

    init(taskMetrics: (@Sendable (URLSessionTaskMetrics) -> Void)?) {
        self.taskMetrics = taskMetrics
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didFinishCollecting metrics: URLSessionTaskMetrics) {
        taskMetrics?(metrics)
    }

    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]
    private var downloads: [Int: DownloadExchange] = [:]

    func register(_ exchange: Exchange, for task: URLSessionTask) {
        lock.lock()
        exchanges[task.taskIdentifier] = exchange
        lock.unlock()
    }

    func register(_ exchange: DownloadExchange, for task: URLSessionTask) {
        lock.lock()
        downloads[task.taskIdentifier] = exchange
        lock.unlock()
    }

    private func download(_ task: URLSessionTask, remove: Bool = false) -> DownloadExchange? {
        lock.lock()
        defer { lock.unlock() }
        return remove ? downloads.removeValue(forKey: task.taskIdentifier) : downloads[task.taskIdentifier]
    }

    func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didFinishDownloadingTo location: URL) {
        download(downloadTask)?.finished(at: location)
    }

    func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didWriteData bytesWritten: Int64,
                    totalBytesWritten: Int64, totalBytesExpectedToWrite: Int64) {
        download(downloadTask)?.onBytesReceived?(bytesWritten, totalBytesExpectedToWrite > 0 ? totalBytesExpectedToWrite : nil)
    }

    private func exchange(_ task: URLSessionTask, remove: Bool = false) -> Exchange? {
        lock.lock()
        defer { lock.unlock() }
        return remove ? exchanges.removeValue(forKey: task.taskIdentifier) : exchanges[task.taskIdentifier]
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        exchange(dataTask)?.received(response: response)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(dataTask)?.received(data: data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                    totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        exchange(task)?.onBytesSent?(bytesSent)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)  // a redirect would carry a signature for another resource
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        exchange(task, remove: true)?.completed(error: error)
        download(task, remove: true)?.completed(task: task, error: error)
    }
}
