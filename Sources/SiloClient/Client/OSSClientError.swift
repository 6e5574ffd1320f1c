import Foundation

/// Every failure the SDK reports. As a `LocalizedError` it gives an app a sentence to show and what the user can
/// do about it; `network` tells offline from a timeout or a certificate problem.
public enum OSSClientError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The server answered with an OSS error document.
    case server(status: Int, code: String, message: String, requestId: String, ec: String?)
    /// The bytes received or stored differ from the bytes sent: their CRC-64s disagree.
    case crcMismatch(expected: UInt64, actual: UInt64, requestId: String?)
    /// Credentials could not be obtained: the auth server failed, refused or answered nonsense.
    case credentials(String)
    /// The network failed, and retrying did not help (or was not safe); the cause says how.
    case transport(NetworkFailure)
    /// The server's answer could not be understood.
    case invalidResponse(String)
    /// The call itself was wrong (a bad key, part number, URL…); nothing was sent.
    case invalidArgument(String)
    /// A local file changed while it was being transferred.
    case fileChanged(String)
    /// The task was cancelled. A resumable transfer keeps its checkpoint and can continue later.
    case cancelled

    /// The OSS error code for server errors, such as `NoSuchKey`.
    public var code: String? {
        if case .server(_, let code, _, _, _) = self { return code }
        return nil
    }

    /// Why the network failed, for network failures.
    public var network: NetworkFailure.Cause? {
        if case .transport(let failure) = self { return failure.cause }
        return nil
    }

    public var requestId: String? {
        switch self {
        case .server(_, _, _, let requestId, _): return requestId
        case .crcMismatch(_, _, let requestId): return requestId
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .server(let status, let code, let message, let requestId, _):
            return "\(status) \(code): \(message) (request \(requestId))"
        case .crcMismatch(let expected, let actual, let requestId):
            return "CRC-64 mismatch: expected \(expected), got \(actual)" + (requestId.map { " (request \($0))" } ?? "")
        case .credentials(let message): return "credentials: \(message)"
        case .transport(let failure): return "network: \(failure)"
        case .invalidResponse(let message): return "invalid response: \(message)"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .fileChanged(let message): return "file changed: \(message)"
        case .cancelled: return "cancelled"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .server(_, "AccessDenied", _, _, _): return "Access denied."
        case .server(_, "NoSuchKey", _, _, _), .server(_, "NoSuchBucket", _, _, _): return "The file is not there."
        case .server(_, let code, let message, _, _): return "The storage service refused the request (\(code)): \(message)"
        case .crcMismatch: return "The file was damaged on its way."
        case .credentials: return "Could not get permission to reach storage."
        case .transport(let failure):
            switch failure.cause {
            case .offline: return "You are offline."
            case .timedOut: return "The connection timed out."
            case .cannotConnect: return "Could not reach the storage service."
            case .connectionLost: return "The connection was lost."
            case .tls: return "The storage service's identity could not be verified."
            case .other: return "The network failed."
            }
        case .invalidResponse: return "The storage service answered something unexpected."
        case .invalidArgument(let message): return "The request was invalid: \(message)"
        case .fileChanged: return "The file changed while it was being sent."
        case .cancelled: return "Cancelled."
        }
    }

    public var failureReason: String? { description }

    public var recoverySuggestion: String? {
        switch self {
        case .server(_, "AccessDenied", _, _, _), .server(_, "InvalidAccessKeyId", _, _, _):
            return "Sign in again; if it persists, this account may not use that file."
        case .server(let status, _, _, _, _) where status >= 500: return "Try again in a moment."
        case .server: return nil
        case .crcMismatch: return "Try again; the transfer resumes from the last intact part."
        case .credentials: return "Check that you are signed in and the app's server is reachable, then try again."
        case .transport(let failure):
            switch failure.cause {
            case .offline: return "Connect to Wi-Fi or mobile data; the transfer can resume where it stopped."
            case .timedOut, .connectionLost, .other: return "Try again; the transfer can resume where it stopped."
            case .cannotConnect: return "Check the connection and the server address, then try again."
            case .tls: return "Check the device's date and time, and that the network does not intercept secure connections."
            }
        case .invalidResponse: return "Try again later."
        case .invalidArgument: return nil
        case .fileChanged: return "Start the upload again with the file as it is now."
        case .cancelled: return nil
        }
    }
}
