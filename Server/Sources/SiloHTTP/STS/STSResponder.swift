import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SiloCore
import SiloIAM

/// The STS API (spec §15): AssumeRole and GetCallerIdentity, signed with RPC HMAC-SHA1 or ACS3, answered in
/// JSON or XML.
public struct STSResponder: HTTPResponder {
    public typealias Context = SiloRequestContext
    let iam: IAMService
    let authenticator: STSAuthenticator
    let clock: @Sendable () -> Int64
    let readiness: Readiness?

    public init(iam: IAMService, clock: @escaping @Sendable () -> Int64, readiness: Readiness? = nil) {
        self.readiness = readiness
        self.iam = iam
        self.clock = clock
        self.authenticator = STSAuthenticator(iam: iam, clock: clock)
    }

    public func respond(to request: Request, context: SiloRequestContext) async throws -> Response {
        if let readiness, let path = Readiness.probePath(request),
           let answer = await readiness.respond(path: path, isHead: request.method == .head) {
            return answer
        }
        let requestId = UUID().uuidString
        var xml = false
        do {
            let sts = try await STSRequest.parse(request)
            xml = sts.parameter("Format")?.uppercased() == "XML"
            let action = sts.parameter("Action") ?? sts.header("x-acs-action")
            guard let action else { throw STSError.missingParameter("Action") }
            let version = sts.parameter("Version") ?? sts.header("x-acs-version")
            guard version == nil || version == "2015-04-01" else {
                throw STSError(status: 400, code: "InvalidVersion", message: "Specified parameter Version is not valid.")
            }
            let principal = try await authenticator.authenticate(sts)
            let sourceIp = context.remoteAddress?.ipAddress
            switch action {
            case "AssumeRole":
                let answer = STSDocuments.render(try await assumeRole(sts, caller: principal, sourceIp: sourceIp),
                                                 requestId: requestId, xml: xml)
                STSMetrics.tokenIssued()
                return answer
            case "GetCallerIdentity":
                guard let identity = iam.callerIdentity(principal) else { throw STSError.accessKeyNotFound }
                return STSDocuments.render(STSDocuments.callerIdentity(identity), requestId: requestId, xml: xml)
            default:
                throw STSError(status: 404, code: "InvalidAction.NotFound",
                               message: "Specified api is not found, please check your url and method.")
            }
        } catch {
            guard let mapped = STSErrors.map(error) else {
                context.logger.error("sts request failed", metadata: ["request_id": "\(requestId)", "error": "\(error)"])
                return STSDocuments.error(STSError(status: 500, code: "InternalError", message: "STS Server Internal Error happened."),
                                          requestId: requestId, host: request.head.authority ?? "", xml: xml)
            }
            return STSDocuments.error(mapped, requestId: requestId, host: request.head.authority ?? "", xml: xml)
        }
    }

    private func assumeRole(_ request: STSRequest, caller: Principal, sourceIp: String?) async throws
        -> STSDocuments.Node
    {
        guard let roleArn = request.parameter("RoleArn"), !roleArn.isEmpty else { throw STSError.missingParameter("RoleArn") }
        guard let sessionName = request.parameter("RoleSessionName"), !sessionName.isEmpty else {
            throw STSError.missingParameter("RoleSessionName")
        }
        var duration: Int64?
        if let text = request.parameter("DurationSeconds"), !text.isEmpty {
            guard let value = Int64(text) else {
                throw STSError(status: 400, code: "InvalidParameter.DurationSeconds",
                               message: "The parameter DurationSeconds is not an integer.")
            }
            duration = value
        }
        let assumed = try await iam.assumeRole(caller: caller, AssumeRoleRequest(
            roleArn: roleArn, roleSessionName: sessionName, policy: request.parameter("Policy"), durationSeconds: duration,
            externalId: request.parameter("ExternalId")), sourceIp: sourceIp)
        return STSDocuments.assumeRole(assumed)
    }
}
