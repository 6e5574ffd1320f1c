import SiloCore

/// Who a request acts as.
public enum Principal: Sendable, Hashable {
    case anonymous
    /// The account's root key: may do anything.
    case root(accessKeyId: String)

    public var accessKeyId: String? {
        switch self {
        case .anonymous: return nil
        case .root(let accessKeyId): return accessKeyId
        }
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
    /// Throws `InvalidAccessKeyId`, or the token errors of spec §3.1.
    func resolve(accessKeyId: String, securityToken: String?) async throws -> ResolvedKey
}

/// The root key pair alone.
public struct RootCredentialResolver: CredentialResolver {
    public let accessKeyId: String
    public let secret: String

    public init(accessKeyId: String, secret: String) {
        self.accessKeyId = accessKeyId
        self.secret = secret
    }

    public func resolve(accessKeyId: String, securityToken: String?) async throws -> ResolvedKey {
        guard accessKeyId == self.accessKeyId else {
            if accessKeyId.hasPrefix("STS.") { throw OSSError.invalidSecurityToken }
            throw OSSError.invalidAccessKeyId.with("OSSAccessKeyId", accessKeyId)
        }
        return ResolvedKey(principal: .root(accessKeyId: accessKeyId), secret: secret)
    }
}
