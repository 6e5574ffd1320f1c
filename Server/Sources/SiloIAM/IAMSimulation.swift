import SiloPolicy

extension IAMService {
    /// "Explain this 403": the decision for a principal, action and resource, with the statement that decided.
    /// `principal` is `root`, `anonymous`, `user/<name>` or `role/<name>[/<session>]`; a session policy and a
    /// bucket policy may be given to see how they combine.
    public func simulate(principal text: String, action: String, resource: String, context: [String: [String]],
                         sessionPolicy: String?, bucketPolicy: String?) async throws -> Decision {
        let parts = text.split(separator: "/").map(String.init)
        let principal: Principal
        switch parts.first {
        case "root": principal = .root(accessKeyId: "simulated")
        case "anonymous": principal = .anonymous
        case "user" where parts.count == 2:
            let user = try await user(parts[1])
            principal = .user(name: user.name, id: user.id, accessKeyId: "simulated")
        case "role" where parts.count >= 2:
            let role = try await role(parts[1])
            principal = .roleSession(RoleSession(
                accessKeyId: "simulated", roleName: role.name, roleId: role.id, roleArn: roleArn(role.name),
                sessionName: parts.count > 2 ? parts[2] : "simulation", expiration: Int64.max, sessionPolicy: sessionPolicy))
        default:
            throw IAMError.invalidParameter("Principal", "principal is root, anonymous, user/<name> or role/<name>[/<session>].")
        }
        var authorization = AuthorizationInput()
        if case .root = principal { authorization.isAccountRoot = true }
        authorization.identityPolicies = try await identityPolicies(for: principal)
        do {
            authorization.sessionPolicy = try await self.sessionPolicy(for: principal)
            if let bucketPolicy { authorization.resourcePolicy = NamedPolicy("the bucket policy", try Policy(json: bucketPolicy)) }
        } catch {
            throw IAMError.malformedPolicy("A policy given to simulate is invalid.")
        }
        return Authorizer.decide(authorization, RequestContext(
            action: action, resource: resource, principal: principal.identity(account: accountId), values: context))
    }
}
