import Foundation
import SiloAppServer
import SiloClient
import SiloCore
import SiloHTTP
import SiloIAM

/// The app server's tokens from the STS of its own process (`silo server --app-server-config`): what STS would
/// have answered over HTTP, as the app server's STS client would have read it.
struct EmbeddedRoleAssumer: RoleAssumer {
    let sts: EmbeddedSTS

    func assumeRole(roleArn: String, sessionName: String, policy: String, durationSeconds: Int)
        async throws(AppFailure) -> STSClient.AssumedRole
    {
        let assumed: AssumedRole
        do {
            assumed = try await sts.assumeRole(roleArn: roleArn, sessionName: sessionName, policy: policy,
                                               durationSeconds: Int64(durationSeconds))
        } catch {
            throw .stsRefused(code: error.code, message: error.message)
        }
        return STSClient.AssumedRole(
            credentials: Credentials(accessKeyId: assumed.accessKeyId, accessKeySecret: assumed.accessKeySecret,
                                     securityToken: assumed.securityToken,
                                     expiration: Date(timeIntervalSince1970: TimeInterval(assumed.expiration))),
            arn: assumed.arn, assumedRoleId: assumed.assumedRoleId,
            expiration: Timestamps.iso8601NoFraction(unixSeconds: assumed.expiration), requestId: UUID().uuidString)
    }
}
