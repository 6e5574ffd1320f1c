import Foundation

#if canImport(os)
import os
#endif

/// One request attempt, as the client logs it.
public struct ClientLogEntry: Sendable {
    public enum Level: Int, Sendable, Comparable {
        /// A success.
        case debug
        /// An answer the caller asked for but may not expect: a 3xx or 4xx (NoSuchKey, AccessDenied, …).
        case info
        /// A server failure (5xx) or a network failure: the request may be retried.
        case error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var level: Level
    public var method: String
    /// `/bucket/key`
    public var resource: String
    /// 0 for the first attempt.
    public var attempt: Int
    public var status: Int?
    public var requestId: String?
    public var error: OSSClientError?
    public var milliseconds: Int

    /// The line the plain `log` closure receives.
    public var line: String {
        let retry = attempt > 0 ? " (retry \(attempt))" : ""
        if let status {
            return "\(method) \(resource)\(retry) -> \(status) in \(milliseconds) ms, request \(requestId ?? "")"
        }
        return "\(method) \(resource)\(retry) -> \(error.map { "\($0)" } ?? "error") in \(milliseconds) ms"
    }
}

/// One entry per attempt: method, resource, status or error, duration and request id, with a level.
struct LoggingMiddleware: ClientMiddleware {
    let log: @Sendable (ClientLogEntry) -> Void

    func handle(_ request: ClientRequest, next: Handler) async throws -> TransportResponse {
        let started = Date()
        var entry = ClientLogEntry(level: .debug, method: request.method.rawValue,
                                   resource: "/" + (request.bucket ?? "") + (request.key.map { "/" + $0 } ?? ""),
                                   attempt: request.attempt, milliseconds: 0)
        do {
            let response = try await next(request)
            entry.status = response.head.status.code
            entry.requestId = response.requestId
            entry.milliseconds = milliseconds(since: started)
            log(entry)
            return response
        } catch {
            let mapped = RetryMiddleware.map(error)
            entry.error = mapped
            entry.requestId = mapped.requestId
            entry.milliseconds = milliseconds(since: started)
            if case .server(let status, _, _, _, _) = mapped {
                entry.status = status
                entry.level = status >= 500 ? .error : .info
            } else {
                entry.level = mapped == .cancelled ? .info : .error
            }
            log(entry)
            throw error
        }
    }

    private func milliseconds(since start: Date) -> Int { Int(Date().timeIntervalSince(start) * 1000) }
}

#if canImport(os)
extension ClientConfiguration {
    /// Sends the client's entries to the unified log (Console.app, `log stream`): successes at debug, refusals
    /// at info, failures at error. Resources are private (they name the app's files); status and ids are public.
    @available(macOS 11, iOS 14, tvOS 14, watchOS 7, *)
    public static func unifiedLog(subsystem: String, category: String = "storage") -> @Sendable (ClientLogEntry) -> Void {
        let logger = Logger(subsystem: subsystem, category: category)
        return { entry in
            let retry = entry.attempt > 0 ? " (retry \(entry.attempt))" : ""
            let outcome = entry.status.map(String.init) ?? entry.error.map { "\($0)" } ?? "error"
            let level: OSLogType = switch entry.level {
            case .debug: .debug
            case .info: .info
            case .error: .error
            }
            logger.log(level: level, "\(entry.method, privacy: .public) \(entry.resource, privacy: .private)\(retry, privacy: .public) -> \(outcome, privacy: .public) in \(entry.milliseconds) ms, request \(entry.requestId ?? "", privacy: .public)")
        }
    }
}
#endif
