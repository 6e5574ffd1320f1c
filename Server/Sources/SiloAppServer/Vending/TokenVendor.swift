import Foundation
import Metrics
import SiloClient
import SiloCore

/// Gets an STS token for one app user: AssumeRole with the user's expanded policy templates as the session
/// policy, so the token can touch only what the templates give that user.
public struct TokenVendor: Sendable {
    let sts: any RoleAssumer
    let roleArn: String
    let durationSeconds: Int
    let templates: [PolicyTemplate]
    let bucket: String

    let policies: SessionPolicyRenderer

    public init(sts: any RoleAssumer, roleArn: String, durationSeconds: Int, templates: [PolicyTemplate], bucket: String) {
        self.sts = sts
        self.roleArn = roleArn
        self.durationSeconds = durationSeconds
        self.templates = templates
        self.bucket = bucket
        policies = SessionPolicyRenderer(templates: templates, bucket: bucket)
    }

    public func sessionPolicy(for user: AppUser) -> String {
        policies.policy(uid: user.uid)
    }

    public func token(for user: AppUser) async throws(AppFailure) -> STSClient.AssumedRole {
        let assumed = try await sts.assumeRole(roleArn: roleArn, sessionName: user.roleSessionName,
                                               policy: sessionPolicy(for: user), durationSeconds: durationSeconds)
        Counter(label: "silo_app_tokens_vended_total").increment()
        return assumed
    }
}
