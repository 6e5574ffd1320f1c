import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What runs an app's transfers while the app is suspended or gone.
///
/// On Apple platforms it is a background `URLSession`: the system's transfer daemon carries the tasks on, and
/// relaunches the app to hear how they ended. Foundation on Linux has no such daemon; there the host process
/// plays it, and tests use that to suspend, kill and relaunch the app side (a ``BackgroundTransport``) while
/// the tasks go on. Either way the app side sees the same thing: it attaches, hears what ended while it was
/// away, finds the tasks still running by their descriptions, and starts new ones.
public final class BackgroundTaskSystem: NSObject, @unchecked Sendable {
    /// How a task ended, told to the attached app (or kept until one attaches).
    struct Completion: Sendable {
        var description: String
        var response: HTTPURLResponse?
        var body: Data
        /// A download's body, moved out of the system's temporary file before the callback returned.
        var heldFile: URL?
        var error: (any Error)?
    }

    public let identifier: String
    /// Where finished downloads wait for the app: the system removes its own file when the callback returns.
    let holding: URL
    private(set) var session: URLSession!
    private let lock = NSLock()
    private weak var app: BackgroundTransport?
    private var appSuspended = false
    private var undelivered: [Completion] = []
    /// Descriptions of the tasks started and not yet heard of: a task is in here until its end has been handed
    /// over (to the app, or to the queue for it), so an app asking meanwhile joins it instead of starting another.
    private var outstanding: Set<String> = []
    private var bodies: [Int: Data] = [:]
    private var held: [Int: URL] = [:]
    private var finishEventsHandlers: [@Sendable () -> Void] = []
    nonisolated(unsafe) private static var systems: [String: BackgroundTaskSystem] = [:]
    private static let systemsLock = NSLock()

    /// The system for `identifier`, created once per process: a second URLSession with one background identifier
    /// is an error on Apple platforms.
    public static func shared(identifier: String, holding: URL? = nil,
                              configure: (URLSessionConfiguration) -> Void = { _ in }) -> BackgroundTaskSystem {
        systemsLock.lock()
        defer { systemsLock.unlock() }
        if let existing = systems[identifier] { return existing }
        let system = BackgroundTaskSystem(identifier: identifier, holding: holding, configure: configure)
        systems[identifier] = system
        return system
    }

    /// A system of its own, not shared: for tests, each its own "device".
    public init(identifier: String, holding: URL? = nil, configure: (URLSessionConfiguration) -> Void = { _ in }) {
        self.identifier = identifier
        self.holding = holding ?? FileManager.default.temporaryDirectory.appendingPathComponent("silo-held-\(identifier)")
        super.init()
        #if canImport(FoundationNetworking)
        let settings = URLSessionConfiguration.default
        #else
        let settings = URLSessionConfiguration.background(withIdentifier: identifier)
        settings.sessionSendsLaunchEvents = true
        settings.isDiscretionary = false
        #endif
        settings.httpShouldSetCookies = false
        settings.urlCache = nil
        configure(settings)
        session = URLSession(configuration: settings, delegate: self, delegateQueue: nil)
    }

    /// The app delegate's `application(_:handleEventsForBackgroundURLSession:completionHandler:)` hands its
    /// completion handler here; it is called once the relaunched app has heard every event.
    public static func handleEvents(forBackgroundURLSession identifier: String, completionHandler: @escaping @Sendable () -> Void) {
        shared(identifier: identifier).handleEvents(completionHandler: completionHandler)
    }

    /// The same, on one system.
    public func handleEvents(completionHandler: @escaping @Sendable () -> Void) {
        lock.withLock { finishEventsHandlers.append(completionHandler) }
    }

    // MARK: - The app side

    /// Attaches the app (a launch): it hears what ended while it was away, then the app delegate's completion
    /// handler is called.
    func attach(_ transport: BackgroundTransport) {
        let waiting = lock.withLock { () -> [Completion] in
            app = transport
            appSuspended = false
            defer { undelivered = [] }
            return undelivered
        }
        for completion in waiting { transport.ended(completion) }
        if !waiting.isEmpty { finishedEvents() }
    }

    /// The app is gone (killed, or its transport released): its tasks run on and their ends are kept.
    public func detach() {
        let transport = lock.withLock { () -> BackgroundTransport? in
            defer { app = nil }
            return app
        }
        transport?.detached()
    }

    /// The app is suspended (in the background, its process frozen): its tasks run on, and how they end is told
    /// when it comes back.
    public func suspendApp() {
        lock.withLock { appSuspended = true }
    }

    /// The suspended app is back: it hears what ended meanwhile, in order.
    public func resumeApp() {
        let (transport, waiting) = lock.withLock { () -> (BackgroundTransport?, [Completion]) in
            appSuspended = false
            guard let app else { return (nil, []) }
            defer { undelivered = [] }
            return (app, undelivered)
        }
        for completion in waiting { transport?.ended(completion) }
        if !waiting.isEmpty { finishedEvents() }
    }

    /// The tasks the system is still running, by description.
    func runningTasks() async -> [String: URLSessionTask] {
        let tasks = await withCheckedContinuation { (continuation: CheckedContinuation<[URLSessionTask], Never>) in
            session.getAllTasks { continuation.resume(returning: $0) }
        }
        var found: [String: URLSessionTask] = [:]
        for task in tasks where task.state == .running || task.state == .suspended {
            if let description = task.taskDescription { found[description] = task }
        }
        return found
    }

    /// Starts a task for the app, described so that a later launch can find it.
    func start(_ description: String, _ make: () -> URLSessionTask) {
        let task = make()
        task.taskDescription = description
        lock.withLock { _ = outstanding.insert(description) }
        task.resume()
    }

    /// Whether a task with this description has not ended yet, or has ended and is being handed over: either way
    /// its end is still to come. After a relaunch on Apple platforms, the tasks the system kept count too.
    func isOutstanding(_ description: String) async -> Bool {
        if lock.withLock({ outstanding.contains(description) }) { return true }
        return await runningTasks()[description] != nil
    }

    func cancel(_ description: String) async {
        await runningTasks()[description]?.cancel()
    }

    /// How many tasks the system is running now, for whoever watches it (a test playing the system).
    public func runningTaskCount() async -> Int { await runningTasks().count }

    private func deliver(_ completion: Completion) {
        let transport = lock.withLock { () -> BackgroundTransport? in
            if let app, !appSuspended { return app }
            undelivered.append(completion)
            return nil
        }
        transport?.ended(completion)
    }

    private func finishedEvents() {
        let handlers = lock.withLock { () -> [@Sendable () -> Void] in
            defer { finishEventsHandlers = [] }
            return finishEventsHandlers
        }
        // UIKit wants the handler on the main queue.
        for handler in handlers { DispatchQueue.main.async { handler() } }
    }
}

extension BackgroundTaskSystem: URLSessionDataDelegate, URLSessionDownloadDelegate {
    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock {
            var body = bodies[dataTask.taskIdentifier] ?? Data()
            // An upload's answer is an ETag or an error document; more than 1 MiB is not kept.
            if body.count + data.count <= 1 << 20 { body.append(data) }
            bodies[dataTask.taskIdentifier] = body
        }
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                           totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        guard let description = task.taskDescription else { return }
        lock.withLock { app }?.moved(description, bytes: bytesSent, expected: nil)
    }

    public func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didWriteData bytesWritten: Int64,
                           totalBytesWritten: Int64, totalBytesExpectedToWrite: Int64) {
        guard let description = downloadTask.taskDescription else { return }
        lock.withLock { app }?.moved(description, bytes: bytesWritten,
                                     expected: totalBytesExpectedToWrite > 0 ? totalBytesExpectedToWrite : nil)
    }

    public func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didFinishDownloadingTo location: URL) {
        let target = holding.appendingPathComponent(UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: holding, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: location, to: target)
            lock.withLock { held[downloadTask.taskIdentifier] = target }
        } catch {
            // Reported as the task's failure below: no file, no body.
        }
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)  // a redirect would carry a signature for another resource
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (body, file) = lock.withLock {
            (bodies.removeValue(forKey: task.taskIdentifier) ?? Data(), held.removeValue(forKey: task.taskIdentifier))
        }
        var failure = error
        if failure == nil, task is URLSessionDownloadTask, file == nil {
            failure = TransportError("the downloaded file could not be kept")
        }
        let description = task.taskDescription ?? ""
        deliver(Completion(description: description, response: task.response as? HTTPURLResponse,
                           body: body, heldFile: file, error: failure))
        // Only now: an app that asked before this line has its waiter answered by the delivery.
        lock.withLock { _ = outstanding.remove(description) }
    }

    public func urlSessionDidFinishEvents(forBackgroundURLSession session: URLSession) {
        finishedEvents()
    }
}
