import HTTPTypes
import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import SiloCore
import SiloDomain
import SiloIAM

/// What the OSS front end counts, through swift-metrics (exported by the Prometheus factory `silo server
/// --metrics-address` bootstraps; with no factory they cost nothing). Labels are bounded sets (operations from the
/// route table, status classes, signature versions, denial reasons): never a bucket, key or caller.
public struct OSSMetrics: Sendable {
    public init() {}

    /// One finished request: its operation (or `Unroutable` before one was found), status, signature version,
    /// time to the last byte, and the bytes the body carried each way.
    func finished(operation: String, status: Int, signature: String, seconds: Double, bytesIn: Int64, bytesOut: Int64) {
        let statusClass = "\(status / 100)xx"
        Counter(label: "silo_requests_total",
                dimensions: [("operation", operation), ("status_class", statusClass), ("signature", signature)]).increment()
        Timer(label: "silo_request_duration_seconds", dimensions: [("operation", operation)])
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
        if bytesIn > 0 { Counter(label: "silo_received_bytes_total").increment(by: Int(bytesIn)) }
        if bytesOut > 0 { Counter(label: "silo_sent_bytes_total").increment(by: Int(bytesOut)) }
        if status == 503 { Counter(label: "silo_unavailable_total", dimensions: [("operation", operation)]).increment() }
    }

    /// A request refused by authorization: `acl`, `policy`, `signature`, `token` or `referer`.
    func denied(reason: String) {
        Counter(label: "silo_authorization_denials_total", dimensions: [("reason", reason)]).increment()
    }
}

extension OSSMetrics {
    /// Why a failed request was refused, when authorization (or authentication) refused it.
    static func denialReason(_ error: any Error) -> String? {
        switch error {
        case let denied as AccessDenied:
            switch denied.reason {
            case .acl: return "acl"
            case .policy: return "policy"
            }
        case is CredentialError: return "credentials"
        case let error as OSSError:
            switch error.code {
            case "SignatureDoesNotMatch": return "signature"
            case "InvalidSecurityToken", "SecurityTokenExpired": return "token"
            case "AccessDenied" where error == .deniedByReferer: return "referer"
            case "RequestTimeTooSkewed": return "expired"
            default: return nil
            }
        default: return nil
        }
    }
}

/// Passes a response body through, counting its bytes.
struct CountingWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let counted: NIOLockedValueBox<Int64>

    mutating func write(_ buffer: ByteBuffer) async throws {
        counted.withLockedValue { $0 += Int64(buffer.readableBytes) }
        try await base.write(buffer)
    }

    mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        for buffer in buffers { try await write(buffer) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }
}
