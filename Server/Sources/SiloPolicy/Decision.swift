/// Everything that can grant or refuse one request (spec §16.5).
public struct AuthorizationInput: Sendable {
    /// The account root acting on its own account's resources: always allowed.
    public var isAccountRoot: Bool
    /// A RAM user's policies, or for a role session the role's policies.
    public var identityPolicies: [NamedPolicy]
    /// The policy passed to AssumeRole, which the session can never exceed.
    public var sessionPolicy: NamedPolicy?
    /// A resource-based policy: the bucket policy, or a role's trust policy for AssumeRole.
    public var resourcePolicy: NamedPolicy?
    /// What the bucket and object ACLs grant this request.
    public var aclAllows: Bool

    public init(isAccountRoot: Bool = false, identityPolicies: [NamedPolicy] = [], sessionPolicy: NamedPolicy? = nil,
                resourcePolicy: NamedPolicy? = nil, aclAllows: Bool = false) {
        self.isAccountRoot = isAccountRoot
        self.identityPolicies = identityPolicies
        self.sessionPolicy = sessionPolicy
        self.resourcePolicy = resourcePolicy
        self.aclAllows = aclAllows
    }
}

public struct Decision: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case accountRoot
        case allowedBy(StatementReference)
        case allowedByACL
        case deniedBy(StatementReference)
        /// A session whose session policy grants nothing here.
        case notAllowedBySessionPolicy
        case notAllowed
    }

    public var allowed: Bool
    public var reason: Reason
    public var action: String
    public var resource: String

    public var description: String {
        switch reason {
        case .accountRoot: return "Allowed: the account root may do anything in its account."
        case .allowedBy(let statement): return "Allowed by \(statement) for \(action) on \(resource)."
        case .allowedByACL: return "Allowed by the bucket or object ACL for \(action) on \(resource)."
        case .deniedBy(let statement): return "Explicitly denied by \(statement) for \(action) on \(resource)."
        case .notAllowedBySessionPolicy:
            return "Implicitly denied: the session policy allows no \(action) on \(resource), and a session can never exceed it."
        case .notAllowed:
            return "Implicitly denied: no policy statement or ACL allows \(action) on \(resource)."
        }
    }
}

public enum Authorizer {
    /// Explicit Deny wins everywhere; a session's session policy must allow every request it makes; then
    /// identity policies (a session's role policies), the bucket policy and the ACL each may allow.
    public static func decide(_ input: AuthorizationInput, _ request: RequestContext) -> Decision {
        func decision(_ allowed: Bool, _ reason: Decision.Reason) -> Decision {
            Decision(allowed: allowed, reason: reason, action: request.action, resource: request.resource)
        }
        if input.isAccountRoot { return decision(true, .accountRoot) }

        var identityAllow: StatementReference?
        for named in input.identityPolicies {
            switch named.policy.evaluate(request, name: named.name) {
            case .deny(let reference): return decision(false, .deniedBy(reference))
            case .allow(let reference): if identityAllow == nil { identityAllow = reference }
            case .notApplicable: break
            }
        }
        var sessionAllows = true
        if let session = input.sessionPolicy {
            switch session.policy.evaluate(request, name: session.name) {
            case .deny(let reference): return decision(false, .deniedBy(reference))
            case .allow: break
            case .notApplicable: sessionAllows = false
            }
        }
        var resourceAllow: StatementReference?
        if let bucket = input.resourcePolicy {
            switch bucket.policy.evaluate(request, name: bucket.name) {
            case .deny(let reference): return decision(false, .deniedBy(reference))
            case .allow(let reference): resourceAllow = reference
            case .notApplicable: break
            }
        }
        // A session never exceeds its session policy, whoever else grants: the role's policies, a bucket policy
        // naming the role or the account, or an ACL.
        if !sessionAllows { return decision(false, .notAllowedBySessionPolicy) }
        if let identityAllow { return decision(true, .allowedBy(identityAllow)) }
        if let resourceAllow { return decision(true, .allowedBy(resourceAllow)) }
        if input.aclAllows { return decision(true, .allowedByACL) }
        return decision(false, .notAllowed)
    }
}

extension AuthorizationInput {
    /// Every policy that takes part in the decision.
    public var policies: [NamedPolicy] {
        identityPolicies + [sessionPolicy, resourcePolicy].compactMap { $0 }
    }
}
