/// A refusal, answered as the §17 error document `{"StatusCode":…,"ErrorCode":…,"ErrorMessage":…}` on every
/// endpoint, so apps parse one shape.
public struct AppServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    /// Seconds, for 429.
    public var retryAfter: Int?

    public init(status: Int, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code) (\(status)): \(message)" }

    public static func badRequest(_ code: String, _ message: String) -> AppServerError {
        AppServerError(status: 400, code: code, message: message)
    }

    public static func unauthorized(_ message: String) -> AppServerError {
        AppServerError(status: 401, code: "Unauthorized", message: message)
    }

    public static func forbidden(_ code: String, _ message: String) -> AppServerError {
        AppServerError(status: 403, code: code, message: message)
    }

    public static func conflict(_ code: String, _ message: String) -> AppServerError {
        AppServerError(status: 409, code: code, message: message)
    }

    public static func throttled(retryAfter: Int) -> AppServerError {
        AppServerError(status: 429, code: "Throttling", message: "Too many requests; retry in \(retryAfter) s.",
                       retryAfter: retryAfter)
    }

    public static func upstream(_ code: String, _ message: String) -> AppServerError {
        AppServerError(status: 502, code: code, message: message)
    }
}
