import SiloAuditLog
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import SiloCore
import SiloDomain
import SiloIAM

/// What the OSS front end learns about a request while serving it, for its audit record.
final class RequestAudit: Sendable {
    struct Facts {
        var operation: String?
        var caller: Caller?
        var objectSize: Int64?
    }

    let started = ContinuousClock.now
    let trail = AuthorizationTrail()
    let facts = NIOLockedValueBox(Facts())

    func update(_ change: (inout Facts) -> Void) { facts.withLockedValue(change) }

    /// `NormalSign`/`UrlSign`/`PostSign`/`NotSign`, and the signature version.
    static func signature(of request: OSSRequest, operation: String?, caller: Caller?) -> (type: String, version: String?) {
        if let authorization = request.header(.authorization) {
            if authorization.hasPrefix(SignatureV4.algorithm) { return ("NormalSign", "v4") }
            if authorization.hasPrefix("OSS2 ") { return ("NormalSign", "v2") }
            return ("NormalSign", "v1")
        }
        if request.query.contains("Signature") { return ("UrlSign", "v1") }
        if request.query.contains("x-oss-signature") {
            return ("UrlSign", request.query["x-oss-signature-version"] == "OSS2" ? "v2" : "v4")
        }
        if operation == "PostObject", let caller, !caller.isAnonymous { return ("PostSign", nil) }
        return ("NotSign", nil)
    }

    func record(request: Request, parsed: OSSRequest?, requestId: String, clientIp: String?, status: Int,
                errorCode: String?, contentLengthOut: Int64?, headReady: ContinuousClock.Instant, account: String)
        -> AuditRecord
    {
        let facts = self.facts.withLockedValue { $0 }
        let now = ContinuousClock.now
        func milliseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        }
        let signature = parsed.map { Self.signature(of: $0, operation: facts.operation, caller: facts.caller) }
        let principal = facts.caller?.principal
        let deciding = trail.deciding
        var callbackOutcome: String?
        if let parsed, parsed.header("x-oss-callback") != nil || parsed.query.contains("callback") {
            callbackOutcome = status == 203 ? "failed" : (200..<300).contains(status) ? "delivered" : nil
        }
        return AuditRecord(
            time: Timestamps.iso8601(unixSeconds: Int64(Date().timeIntervalSince1970)), requestId: requestId,
            clientIp: clientIp, accessId: principal?.accessKeyId,
            requesterId: principal.flatMap { Self.requesterId($0, account: account) },
            principal: principal?.arn(account: account), bucket: parsed?.bucket, object: parsed?.key,
            operation: facts.operation ?? "-", httpMethod: request.method.rawValue,
            requestUri: AuditRecord.redactedURI(request.head.path ?? ""), httpStatus: status, errorCode: errorCode,
            contentLengthIn: request.headers[.contentLength].flatMap { Int64($0) }, contentLengthOut: contentLengthOut,
            objectSize: facts.objectSize, responseTime: milliseconds(now - started),
            serverCostTime: milliseconds(headReady - started), signType: signature?.type ?? "NotSign",
            signVersion: signature?.version, userAgent: request.headers[.userAgent],
            referer: request.headers[HTTPField.Name("Referer")!], host: parsed?.host ?? request.head.authority,
            policyDecision: deciding.map { $0.allowed ? "allowed" : "denied" }, decidingStatement: deciding?.description,
            callbackOutcome: callbackOutcome)
    }

    /// OSS's requester id: the account for root, the user's id, or `<role id>:<session>` for a role session.
    static func requesterId(_ principal: Principal, account: String) -> String? {
        switch principal {
        case .anonymous: return nil
        case .root: return account
        case .user(_, let id, _): return id
        case .roleSession(let session): return session.roleId + ":" + session.sessionName
        }
    }
}
