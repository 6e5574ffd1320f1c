/// Every failure the SDK reports.
public enum OSSClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with an OSS error document.
    case server(status: Int, code: String, message: String, requestId: String, ec: String?)
    /// The bytes received or stored differ from the bytes sent: their CRC-64s disagree.
    case crcMismatch(expected: UInt64, actual: UInt64, requestId: String?)
    /// Credentials could not be obtained: the auth server failed, refused or answered nonsense.
    case credentials(String)
    /// The network failed, and retrying did not help (or was not safe).
    case transport(String)
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
        case .transport(let message): return "network: \(message)"
        case .invalidResponse(let message): return "invalid response: \(message)"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .fileChanged(let message): return "file changed: \(message)"
        case .cancelled: return "cancelled"
        }
    }
}
