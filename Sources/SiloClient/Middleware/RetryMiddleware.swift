import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Retries what is safe to repeat: idempotent requests with a replayable body, after a network failure, a 5xx,
/// a corrupted transfer, clock skew (once the clock is corrected) or expired credentials (once they are
/// invalidated). Waits with exponential backoff and full jitter between attempts.
struct RetryMiddleware: ClientMiddleware {
    let maxRetries: Int
    let baseDelay: Duration
    let maxDelay: Duration

    func handle(_ request: ClientRequest, next: Handler) async throws -> TransportResponse {
        var attempt = 0
        while true {
            var current = request
            current.attempt = attempt
            do {
                return try await next(current)
            } catch {
                let mapped = Self.map(error)
                guard attempt < maxRetries, request.idempotent, request.body.isReplayable, Self.isRetryable(mapped)
                else { throw mapped }
                try await sleep(attempt: attempt)
                attempt += 1
            }
        }
    }

    static func isRetryable(_ error: OSSClientError) -> Bool {
        switch error {
        // A TLS failure (an untrusted or wrong certificate) is not a glitch: repeating it only hides it.
        case .transport(let failure): return failure.cause != .tls
        case .crcMismatch: return true
        case .server(let status, let code, _, _, _):
            return status >= 500 || ["RequestTimeTooSkewed", "SecurityTokenExpired", "InvalidSecurityToken"].contains(code)
        default: return false
        }
    }

    /// Every error leaves the client as an `OSSClientError`.
    static func map(_ error: any Error) -> OSSClientError {
        if let error = error as? OSSClientError { return error }
        if error is CancellationError || Task.isCancelled { return .cancelled }
        if let error = error as? TransportError { return .transport(error.failure) }
        if let error = error as? URLError { return .transport(NetworkFailure.classify(error)) }
        return .transport(NetworkFailure(.other, String(describing: error)))
    }

    private func sleep(attempt: Int) async throws {
        let ceiling = min(seconds(baseDelay) * pow(2, Double(attempt)), seconds(maxDelay))
        do {
            try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0...ceiling) * 1e9))
        } catch {
            throw OSSClientError.cancelled
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
