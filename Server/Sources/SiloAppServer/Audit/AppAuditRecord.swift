import Foundation
import SiloAuditLog
import SiloCore

/// One application-server event for the audit log, in the storage log's style: registrations, sign-ins and the
/// tokens vended, who (the uid, or the username tried), from where, and how it ended. Never a password, a session
/// token, a key or an STS credential: the role session name and the token's expiry are what an investigation needs.
public struct AppAuditRecord: AuditLine, Codable, Hashable {
    public var time: String
    /// `Register`, `SignIn` or `VendToken`.
    public var event: String
    public var clientIp: String?
    public var user: String?
    /// `succeeded`, `refused`, `throttled` or `failed`.
    public var outcome: String
    public var errorCode: String?
    public var roleSession: String?
    public var expiration: String?

    enum CodingKeys: String, CodingKey {
        case time, event, outcome, user, expiration
        case clientIp = "client_ip"
        case errorCode = "error_code"
        case roleSession = "role_session"
    }

    public init(event: String, clientIp: String?, user: String?, outcome: String, errorCode: String? = nil,
                roleSession: String? = nil, expiration: String? = nil, now: Date = Date()) {
        time = Timestamps.iso8601(unixSeconds: Int64(now.timeIntervalSince1970))
        self.event = event
        self.clientIp = clientIp
        self.user = user
        self.outcome = outcome
        self.errorCode = errorCode
        self.roleSession = roleSession
        self.expiration = expiration
    }

    public func jsonLine() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        var first = true
        func field(_ name: String, _ value: String?) {
            guard let value else { return }
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            JSONText.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONText.appendString(value, to: &out)
        }
        field("time", time)
        field("event", event)
        field("client_ip", clientIp)
        field("user", user)
        field("outcome", outcome)
        field("error_code", errorCode)
        field("role_session", roleSession)
        field("expiration", expiration)
        out.append(contentsOf: Array("}\n".utf8))
        return out
    }
}
