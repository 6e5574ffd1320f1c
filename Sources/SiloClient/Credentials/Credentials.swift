import Foundation
import SiloCore

/// An access key, and for STS credentials the security token and its expiry.
public struct Credentials: Sendable, Hashable, Codable {
    public var accessKeyId: String
    public var accessKeySecret: String
    public var securityToken: String?
    public var expiration: Date?

    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.expiration = expiration
    }

    var signingKey: SigningKey {
        SigningKey(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, securityToken: securityToken)
    }
}

/// Where a client gets the credentials it signs with. Called before every request attempt, so an
/// implementation should answer from memory until a refresh is due.
public protocol CredentialsProvider: Sendable {
    func credentials() async throws -> Credentials
    /// The server refused `credentials` as expired or unknown; the next call must not return them again.
    func invalidate(_ credentials: Credentials) async
    /// A storage server's clock is `offset` seconds ahead of this device's (learnt from `RequestTimeTooSkewed`):
    /// a provider that judges expiry should judge it in that time.
    func adoptServerClock(offset: TimeInterval) async
}

extension CredentialsProvider {
    /// Credentials that never expire have no use for the server's clock.
    public func adoptServerClock(offset: TimeInterval) async {}
}

/// A long-lived access key (a RAM user's, or root's). Server-side use only: never ship one in an app.
public struct StaticCredentialsProvider: CredentialsProvider {
    public let value: Credentials

    public init(accessKeyId: String, accessKeySecret: String) {
        value = Credentials(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret)
    }

    public func credentials() async throws -> Credentials { value }

    /// Fixed credentials have nothing to renew.
    public func invalidate(_ credentials: Credentials) async {}
}

/// Fixed temporary credentials from STS. When they expire, requests fail with `SecurityTokenExpired`;
/// use `AuthServerCredentialsProvider` or `RefreshingCredentialsProvider` to renew them.
public struct STSCredentialsProvider: CredentialsProvider {
    public let value: Credentials

    public init(accessKeyId: String, accessKeySecret: String, securityToken: String, expiration: Date? = nil) {
        value = Credentials(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, securityToken: securityToken,
                            expiration: expiration)
    }

    public func credentials() async throws -> Credentials { value }

    /// Fixed credentials have nothing to renew.
    public func invalidate(_ credentials: Credentials) async {}
}
