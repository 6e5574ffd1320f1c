import SiloAuditLog
import Foundation
import SiloCore

/// One request, as the audit log writes it: OSS's real-time log fields (their names), then who asked, how
/// authorization decided, and the upload callback's outcome. Never a secret, signature or token: the request
/// URI loses its signature and token parameters before it is recorded.
public struct AuditRecord: Codable, Sendable, Hashable {
    public var time: String
    public var requestId: String
    public var clientIp: String?
    public var accessId: String?
    public var requesterId: String?
    /// `acs:ram::<account>:user/<name>`, `...:assumed-role/<role>/<session>`, `...:root`; nil when anonymous.
    public var principal: String?
    public var bucket: String?
    public var object: String?
    public var operation: String
    public var httpMethod: String
    public var requestUri: String
    public var httpStatus: Int
    public var errorCode: String?
    public var contentLengthIn: Int64?
    public var contentLengthOut: Int64?
    public var objectSize: Int64?
    /// Milliseconds from arrival to the last body byte written.
    public var responseTime: Int64
    /// Milliseconds from arrival until the response's head was ready.
    public var serverCostTime: Int64
    /// `NormalSign` (Authorization header), `UrlSign` (presigned), `PostSign` (a form's policy) or `NotSign`.
    public var signType: String
    /// `v1`, `v2` or `v4` for signed requests.
    public var signVersion: String?
    public var userAgent: String?
    public var referer: String?
    public var host: String?
    /// `allowed` or `denied`, when the request reached authorization.
    public var policyDecision: String?
    /// The statement (or rule) that settled it, as the policy engine explains it.
    public var decidingStatement: String?
    /// `delivered` or `failed` for uploads that asked for a callback.
    public var callbackOutcome: String?

    enum CodingKeys: String, CodingKey {
        case time
        case requestId = "request_id"
        case clientIp = "client_ip"
        case accessId = "access_id"
        case requesterId = "requester_id"
        case principal
        case bucket
        case object
        case operation
        case httpMethod = "http_method"
        case requestUri = "request_uri"
        case httpStatus = "http_status"
        case errorCode = "error_code"
        case contentLengthIn = "content_length_in"
        case contentLengthOut = "content_length_out"
        case objectSize = "object_size"
        case responseTime = "response_time"
        case serverCostTime = "server_cost_time"
        case signType = "sign_type"
        case signVersion = "sign_version"
        case userAgent = "user_agent"
        case referer
        case host
        case policyDecision = "policy_decision"
        case decidingStatement = "deciding_statement"
        case callbackOutcome = "callback_outcome"
    }

    /// Query parameters whose values are credentials or could carry them (a callback's template and variables).
    static let redactedParameters: Set<String> = [
        "signature", "x-oss-signature", "security-token", "x-oss-security-token", "callback", "callback-var",
        "x-oss-callback", "x-oss-callback-var",
    ]

    /// The request target with every credential-bearing parameter's value replaced, the rest as sent. Walked on
    /// UTF-8 bytes: every OSS request is audited, and splitting Characters cost a twentieth of a small GET.
    static func redactedURI(_ target: String) -> String {
        let bytes = Array(target.utf8)
        guard let question = bytes.firstIndex(of: UInt8(ascii: "?")) else { return target }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        out += bytes[...question]
        var start = question + 1
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            let nameEnd = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")) ?? end
            if isRedacted(bytes[start..<nameEnd]) {
                out += bytes[start..<nameEnd]
                out += "=REDACTED".utf8
            } else {
                out += bytes[start..<end]
            }
            guard end < bytes.count else { break }
            out.append(UInt8(ascii: "&"))
            start = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let redactedParameterBytes = redactedParameters.map { Array($0.utf8) }

    /// Compared on bytes, ignoring ASCII case. A percent-encoded name is decoded first, and a name with any
    /// non-ASCII byte goes through Unicode's lowercasing (the Kelvin sign lowercases to `k`), as before.
    private static func isRedacted(_ name: ArraySlice<UInt8>) -> Bool {
        if name.contains(where: { $0 == UInt8(ascii: "%") || $0 >= 0x80 }) {
            let text = String(decoding: name, as: UTF8.self)
            return redactedParameters.contains((PercentEncoding.decode(text) ?? text).lowercased())
        }
        return redactedParameterBytes.contains { candidate in
            candidate.count == name.count && zip(candidate, name).allSatisfy { expected, byte in
                expected == (UInt8(ascii: "A")...UInt8(ascii: "Z") ~= byte ? byte | 0x20 : byte)
            }
        }
    }
}
