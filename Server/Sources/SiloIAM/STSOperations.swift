import Foundation
import SiloPolicy

public struct AssumeRoleRequest: Sendable {
    public var roleArn: String
    public var roleSessionName: String
    public var policy: String?
    public var durationSeconds: Int64?
    public var externalId: String?

    public init(roleArn: String, roleSessionName: String, policy: String? = nil, durationSeconds: Int64? = nil,
                externalId: String? = nil) {
        self.roleArn = roleArn
        self.roleSessionName = roleSessionName
        self.policy = policy
        self.durationSeconds = durationSeconds
        self.externalId = externalId
    }
}

public struct AssumedRole: Sendable {
    public var accessKeyId: String
    public var accessKeySecret: String
    public var securityToken: String
    public var expiration: Int64
    public var arn: String
    public var assumedRoleId: String
}

/// AssumeRole and GetCallerIdentity (spec §15).
extension IAMService {
    static func isSessionNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    /// `acs:ram::<account>:role/<name>` split at the first `:role/` after a non-empty account; searched on UTF-8
    /// bytes (Foundation's `range(of:)` cost a fiftieth of an AssumeRole).
    static func accountAndRole(of arn: String) -> (account: String, role: String)? {
        let prefix = Array("acs:ram::".utf8), marker = Array(":role/".utf8)
        let bytes = Array(arn.utf8)
        guard bytes.starts(with: prefix), bytes.count >= prefix.count + 1 + marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<start + marker.count].elementsEqual(marker) {
            // The first `:role/` decides, as it did with `range(of:)`: it must leave a non-empty account.
            guard start > prefix.count else { return nil }
            return (String(decoding: bytes[prefix.count..<start], as: UTF8.self),
                    String(decoding: bytes[(start + marker.count)...], as: UTF8.self))
        }
        return nil
    }

    /// - Parameter sourceIp: the caller's address, the condition key `acs:SourceIp` of the caller's policies and
    ///   the role's trust policy; nil when unknown, which no address condition matches.
    public func assumeRole(caller: Principal, _ request: AssumeRoleRequest, sourceIp: String?)
        async throws -> AssumedRole
    {
        let values: [String: [String]] = sourceIp.map { ["acs:SourceIp": [$0]] } ?? [:]
        guard let (account, roleName) = Self.accountAndRole(of: request.roleArn) else {
            throw IAMError.invalidParameter("RoleArn", "The parameter RoleArn is wrongly formed.")
        }
        let name = request.roleSessionName
        // Bytes, not Characters: every allowed character is ASCII, so any other byte fails either way.
        guard (2...64).contains(name.utf8.count), name.utf8.allSatisfy(Self.isSessionNameByte) else {
            throw IAMError.invalidParameter("RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
        }
        var sessionPolicy: String?
        if let text = request.policy, !text.isEmpty {
            guard text.utf8.count <= settings.maximumPolicyBytes else {
                throw IAMError.invalidParameter("PolicySize", "The parameter Policy is longer than \(settings.maximumPolicyBytes) bytes.")
            }
            do {
                _ = try Policy(json: text)
            } catch {
                throw IAMError.invalidParameter("PolicyGrammar", "The parameter Policy has not passed grammar check. \(error)")
            }
            sessionPolicy = text
        }
        guard account == accountId, let role = try await state().snapshot.roles[roleName.lowercased()] else {
            throw IAMError.notExist("Role", request.roleArn)
        }
        let roleArn = self.roleArn(role.name)
        var maximum = role.maxSessionDuration
        if case .roleSession = caller { maximum = min(maximum, settings.maximumChainedDuration) }
        let duration = request.durationSeconds ?? min(settings.defaultDuration, maximum)
        guard duration >= settings.minimumDuration, duration <= maximum else {
            throw IAMError.invalidParameter("DurationSeconds",
                "The Min/Max value of DurationSeconds is \(settings.minimumDuration)s/\(maximum)s.")
        }
        // The caller's own policies must allow sts:AssumeRole on the role...
        let permitted = try await decide(caller, action: "sts:AssumeRole", resource: roleArn, values: values)
        guard permitted.allowed else { throw IAMError.noPermission(permitted.description) }
        // ...and the role's trust policy must trust the caller.
        guard let identity = caller.identity(account: accountId) else { throw IAMError.noPermission("Anonymous callers cannot assume roles.") }
        var trustValues = values
        if let externalId = request.externalId { trustValues["sts:ExternalId"] = [externalId] }
        guard let trust = try await state().trust[role.name.lowercased()] else {
            throw IAMError.noPermission("The trust policy of role \(role.name) is invalid.")
        }
        let trusted = Authorizer.decide(
            AuthorizationInput(resourcePolicy: NamedPolicy("the trust policy of role \(role.name)", trust)),
            RequestContext(action: "sts:AssumeRole", resource: roleArn, principal: identity, values: trustValues))
        guard trusted.allowed else {
            throw IAMError.noPermission("The trust policy of role \(role.name) does not trust \(caller.arn(account: accountId) ?? "the caller"). \(trusted.description)")
        }
        let now = clock()
        let claims = SessionClaims(
            accessKeyId: "STS." + RandomText.alphanumeric(24), secret: RandomText.alphanumeric(44), issuedAt: now,
            expiration: now + duration, accountId: accountId, roleName: role.name, roleId: role.id, sessionName: name,
            sessionPolicy: sessionPolicy, callerArn: caller.arn(account: accountId) ?? "")
        let token = try await state().keyring.seal(claims)
        return AssumedRole(
            accessKeyId: claims.accessKeyId, accessKeySecret: claims.secret, securityToken: token,
            expiration: claims.expiration, arn: "\(roleArn)/\(name)", assumedRoleId: "\(role.id):\(name)")
    }

    public struct CallerIdentity: Sendable {
        public var accountId: String
        public var userId: String
        public var arn: String
        public var identityType: String
        public var principalId: String
        public var roleId: String?
    }

    public func callerIdentity(_ principal: Principal) -> CallerIdentity? {
        switch principal {
        case .anonymous: return nil
        case .root:
            return CallerIdentity(accountId: accountId, userId: accountId, arn: principal.arn(account: accountId)!,
                                  identityType: "Account", principalId: accountId, roleId: nil)
        case .user(_, let id, _):
            return CallerIdentity(accountId: accountId, userId: id, arn: principal.arn(account: accountId)!,
                                  identityType: "RAMUser", principalId: id, roleId: nil)
        case .roleSession(let session):
            let id = session.roleId + ":" + session.sessionName
            return CallerIdentity(accountId: accountId, userId: id, arn: principal.arn(account: accountId)!,
                                  identityType: "AssumedRoleUser", principalId: id, roleId: session.roleId)
        }
    }
}
