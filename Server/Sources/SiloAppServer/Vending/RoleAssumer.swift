import SiloClient

/// Where the app server's tokens come from: STS's AssumeRole for the configured RAM user. Over HTTP by default
/// (`STSRoleAssumer`, Silo's STS or Alibaba Cloud's); `silo server --app-server-config` runs the app server in the
/// same process as STS and calls it without the loopback hop.
public protocol RoleAssumer: Sendable {
    /// Throws `AppFailure.stsRefused` when STS answered with an error of its own, `.unavailable(.sts, ...)` when it
    /// could not be asked.
    func assumeRole(roleArn: String, sessionName: String, policy: String, durationSeconds: Int)
        async throws(AppFailure) -> STSClient.AssumedRole
}

/// AssumeRole over HTTP, signed with the configured access key.
public struct STSRoleAssumer: RoleAssumer {
    let sts: STSClient

    public init(sts: STSClient) { self.sts = sts }

    public func assumeRole(roleArn: String, sessionName: String, policy: String, durationSeconds: Int)
        async throws(AppFailure) -> STSClient.AssumedRole
    {
        do {
            return try await sts.assumeRole(roleArn: roleArn, sessionName: sessionName, policy: policy,
                                            durationSeconds: durationSeconds)
        } catch let error as OSSClientError {
            if case .server(_, let code, let message, _, _) = error {
                throw .stsRefused(code: code, message: message)
            }
            throw .unavailable(.sts, message: "STS could not be reached: \(error)")
        } catch {
            throw .unavailable(.sts, message: "STS could not be reached: \(error)")
        }
    }
}
