import Foundation

/// One line per attempt: method, resource, status or error, duration and request id.
struct LoggingMiddleware: ClientMiddleware {
    let log: @Sendable (String) -> Void

    func handle(_ request: ClientRequest, next: Handler) async throws -> TransportResponse {
        let started = Date()
        let resource = "/" + (request.bucket ?? "") + (request.key.map { "/" + $0 } ?? "")
        let attempt = request.attempt > 0 ? " (retry \(request.attempt))" : ""
        do {
            let response = try await next(request)
            log("\(request.method.rawValue) \(resource)\(attempt) -> \(response.head.status.code) in \(milliseconds(since: started)) ms, request \(response.requestId)")
            return response
        } catch {
            log("\(request.method.rawValue) \(resource)\(attempt) -> \(error) in \(milliseconds(since: started)) ms")
            throw error
        }
    }

    private func milliseconds(since start: Date) -> Int { Int(Date().timeIntervalSince(start) * 1000) }
}
