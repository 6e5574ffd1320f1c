import SiloIAM

/// STS for a caller in this process: the app server that `silo server --app-server-config` runs beside the STS
/// API. The same AssumeRole as over HTTP (the caller's policies, the role's trust policy, the session policy's
/// grammar and size, the duration's bounds) and the same error codes, without a request to sign, send, parse and
/// verify. The caller's key is looked up on every call, so disabling or deleting it stops the vending at once as
/// it would over HTTP; its configured secret stands in for the signature and must match.
public struct EmbeddedSTS: Sendable {
    /// STS's answer when it refuses, with the code and message the HTTP API would send.
    public struct Refusal: Error, Sendable, Equatable {
        public var status: Int
        public var code: String
        public var message: String
    }

    let iam: IAMService
    let accessKeyId: String
    let accessKeySecret: String
    /// The caller's address as the HTTP API would see it (`acs:SourceIp`): this host.
    let sourceIp: String

    public init(iam: IAMService, accessKeyId: String, accessKeySecret: String, sourceIp: String = "127.0.0.1") {
        self.iam = iam
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.sourceIp = sourceIp
    }

    public func assumeRole(roleArn: String, sessionName: String, policy: String?, durationSeconds: Int64?)
        async throws(Refusal) -> AssumedRole
    {
        do {
            let key = try await iam.resolve(accessKeyId: accessKeyId, securityToken: nil)
            guard constantTimeEqual(key.secret, accessKeySecret) else {
                throw STSError(status: 400, code: "SignatureDoesNotMatch",
                               message: "The access key secret given to the app server is not the key's.")
            }
            let assumed = try await iam.assumeRole(
                caller: key.principal,
                AssumeRoleRequest(roleArn: roleArn, roleSessionName: sessionName, policy: policy,
                                  durationSeconds: durationSeconds),
                sourceIp: sourceIp)
            STSMetrics.tokenIssued()
            return assumed
        } catch {
            let mapped = STSErrors.map(error)
                ?? STSError(status: 500, code: "InternalError", message: "STS Server Internal Error happened.")
            throw Refusal(status: mapped.status, code: mapped.code, message: mapped.message)
        }
    }
}
