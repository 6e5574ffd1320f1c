import SiloCore

/// Who is asking, in the forms policies name principals.
public struct PrincipalIdentity: Sendable, Hashable {
    public var accountId: String
    /// Ids a bucket policy's bare `Principal` list may name: the account id, a RAM user's id, a session's ARN.
    public var ids: [String]
    /// ARNs a trust policy's `{"RAM": [...]}` may name (`acs:ram::<account>:root`, `...:user/<name>`).
    public var ramArns: [String]

    public init(accountId: String, ids: [String], ramArns: [String]) {
        self.accountId = accountId
        self.ids = ids
        self.ramArns = ramArns
    }
}

/// One request as the policy engine sees it.
public struct RequestContext: Sendable, Hashable {
    public var action: String
    public var resource: String
    public var principal: PrincipalIdentity?
    /// Condition key values by lower-cased key (`acs:sourceip`, `oss:prefix`...).
    public var values: [String: [String]]

    public init(action: String, resource: String, principal: PrincipalIdentity? = nil, values: [String: [String]] = [:]) {
        self.action = action
        self.resource = resource
        self.principal = principal
        var lowered: [String: [String]] = [:]
        for (key, value) in values { lowered[key.lowercased()] = value }
        self.values = lowered
    }
}

/// A policy with the name an explanation uses for it.
public struct NamedPolicy: Sendable, Hashable {
    public var name: String
    public var policy: Policy

    public init(_ name: String, _ policy: Policy) {
        self.name = name
        self.policy = policy
    }
}

/// The statement that decided, for "explain this 403".
public struct StatementReference: Sendable, Hashable, CustomStringConvertible {
    public var policy: String
    public var index: Int
    public var sid: String?
    public var effect: Effect

    public var description: String {
        let label = sid.map { "statement \(index) (Sid \"\($0)\")" } ?? "statement \(index)"
        return "\(label) of \(policy)"
    }
}

public enum PolicyOutcome: Sendable, Hashable {
    case allow(StatementReference)
    case deny(StatementReference)
    case notApplicable
}

extension Statement {
    /// Whether the statement applies to the request: action, resource, principal and every condition.
    public func applies(to request: RequestContext) -> Bool {
        guard actions.matches(request.action, caseInsensitive: true) else { return false }
        if let resources, !resources.matches(request.resource, caseInsensitive: false) { return false }
        if let principals, !Self.principal(principals, names: request.principal) { return false }
        // Operators AND together, keys within an operator AND together, values within a key OR.
        return conditions.allSatisfy { $0.op.holds(request: request.values[$0.key], condition: $0.values) }
    }

    static func principal(_ set: PrincipalSet, names identity: PrincipalIdentity?) -> Bool {
        switch set {
        case .anyone: return true
        case .ids(let ids):
            guard let identity else { return false }
            return ids.contains { id in identity.ids.contains { Wildcard.matches(id, $0) } }
        case .typed(let typed):
            guard let identity else { return typed.values.contains { $0.contains("*") } }
            for (type, ids) in typed {
                let candidates = type.uppercased() == "RAM" ? identity.ramArns : identity.ids
                if ids.contains(where: { id in candidates.contains { Wildcard.matches(id, $0) } }) { return true }
            }
            return false
        }
    }
}

extension Policy {
    /// An explicit Deny anywhere beats any Allow.
    public func evaluate(_ request: RequestContext, name: String) -> PolicyOutcome {
        var allow: StatementReference?
        for (index, statement) in statements.enumerated() where statement.applies(to: request) {
            let reference = StatementReference(policy: name, index: index, sid: statement.sid, effect: statement.effect)
            if statement.effect == .deny { return .deny(reference) }
            if allow == nil { allow = reference }
        }
        return allow.map(PolicyOutcome.allow) ?? .notApplicable
    }
}

extension Policy {
    /// Whether some Allow statement could grant `action` to an anonymous caller, whatever the resource and
    /// conditions. An over-approximation used to refuse anonymous requests before their bodies are read:
    /// when it answers false, no request by an anonymous caller for `action` can be allowed by this policy.
    public func mayAllowAnonymous(_ action: String) -> Bool {
        mayAllow(action, principal: nil, asResourcePolicy: true)
    }

    /// Whether some Allow statement could grant `action` to `principal`, whatever the resource and conditions:
    /// an over-approximation for refusing requests before their bodies name the resources. A resource policy's
    /// statements must name the principal; an identity or session policy's apply to whoever holds it.
    public func mayAllow(_ action: String, principal: PrincipalIdentity?, asResourcePolicy: Bool) -> Bool {
        statements.contains { statement in
            guard statement.effect == .allow, statement.actions.matches(action, caseInsensitive: true) else { return false }
            guard asResourcePolicy else { return true }
            guard let principals = statement.principals else { return false }
            return Statement.principal(principals, names: principal)
        }
    }
}
