import SiloPolicy

/// Who a request acts as.
public enum Principal: Sendable, Hashable {
    case anonymous
    /// The account's root key: may do anything in the account.
    case root(accessKeyId: String)
    case user(name: String, id: String, accessKeyId: String)
    case roleSession(RoleSession)

    public var accessKeyId: String? {
        switch self {
        case .anonymous: return nil
        case .root(let accessKeyId): return accessKeyId
        case .user(_, _, let accessKeyId): return accessKeyId
        case .roleSession(let session): return session.accessKeyId
        }
    }

    public var isAnonymous: Bool { self == .anonymous }

    /// `acs:ram::<account>:root`, `...:user/<name>` or `...:assumed-role/<role>/<session>`.
    public func arn(account: String) -> String? {
        switch self {
        case .anonymous: return nil
        case .root: return "acs:ram::\(account):root"
        case .user(let name, _, _): return "acs:ram::\(account):user/\(name)"
        case .roleSession(let session): return "acs:ram::\(account):assumed-role/\(session.roleName)/\(session.sessionName)"
        }
    }

    /// The forms in which bucket and trust policies can name this principal.
    public func identity(account: String) -> PrincipalIdentity? {
        switch self {
        case .anonymous: return nil
        case .root:
            return PrincipalIdentity(accountId: account, ids: [account], ramArns: ["acs:ram::\(account):root"])
        case .user(let name, let id, _):
            return PrincipalIdentity(accountId: account, ids: [id, account],
                                     ramArns: ["acs:ram::\(account):user/\(name)", "acs:ram::\(account):root"])
        case .roleSession(let session):
            let arn = arn(account: account)!
            return PrincipalIdentity(accountId: account, ids: [session.roleId + ":" + session.sessionName, arn, account],
                                     ramArns: [arn, session.roleArn, "acs:ram::\(account):root"])
        }
    }
}

/// A session minted by AssumeRole, as its SecurityToken carries it.
public struct RoleSession: Sendable, Hashable {
    public var accessKeyId: String
    public var roleName: String
    public var roleId: String
    public var roleArn: String
    public var sessionName: String
    public var expiration: Int64
    /// The session policy's JSON, when AssumeRole was given one.
    public var sessionPolicy: String?

    public init(accessKeyId: String, roleName: String, roleId: String, roleArn: String, sessionName: String,
                expiration: Int64, sessionPolicy: String?) {
        self.accessKeyId = accessKeyId
        self.roleName = roleName
        self.roleId = roleId
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.expiration = expiration
        self.sessionPolicy = sessionPolicy
    }
}

/// A key the signature is checked with, and the principal it stands for.
public struct ResolvedKey: Sendable {
    public var principal: Principal
    public var secret: String

    public init(principal: Principal, secret: String) {
        self.principal = principal
        self.secret = secret
    }
}

/// Maps an AccessKeyId (and the security token that must accompany temporary keys) to its secret.
public protocol CredentialResolver: Sendable {
    /// Throws `CredentialError`: an unknown or inactive key, or the token errors of spec §3.1.
    func resolve(accessKeyId: String, securityToken: String?) async throws -> ResolvedKey
}
