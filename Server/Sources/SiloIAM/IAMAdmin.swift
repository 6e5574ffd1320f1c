import Foundation
import SiloPolicy

/// The admin operations behind the admin API and `silo admin`. Names follow RAM's rules.
extension IAMService {
    static func validName(_ name: String, maxLength: Int = 64) -> Bool {
        (1...maxLength).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._@-".unicodeScalars.contains($0)) }
    }

    private func check(_ outcome: IAMWriteOutcome, entity: String, name: String) throws {
        switch outcome {
        case .done: return
        case .alreadyExists: throw IAMError.alreadyExists(entity, name)
        case .notFound: throw IAMError.notExist(entity, name)
        case .inUse: throw IAMError.deleteConflict("The \(entity) \(name) is still attached; detach it first.")
        }
    }

    // MARK: users and keys

    public func createUser(name: String, displayName: String?) async throws -> UserRecord {
        guard Self.validName(name) else {
            throw IAMError.invalidParameter("UserName", "A user name is 1-64 of letters, digits, '.', '_', '@' and '-'.")
        }
        let user = UserRecord(name: name, id: RandomText.digits(16), displayName: displayName ?? name, createdAt: clock())
        try check(try await store.createUser(user), entity: "User", name: name)
        try await invalidate()
        return user
    }

    public func listUsers() async throws -> [UserRecord] {
        try await state().snapshot.users.values.sorted { $0.name < $1.name }
    }

    public func user(_ name: String) async throws -> UserRecord {
        guard let user = try await state().snapshot.users[name] else { throw IAMError.notExist("User", name) }
        return user
    }

    public func deleteUser(_ name: String) async throws {
        try check(try await store.deleteUser(name), entity: "User", name: name)
        try await invalidate()
    }

    /// A new key pair; the secret is returned this once and stored only sealed.
    public func createAccessKey(user: String) async throws -> (AccessKeyRecord, secret: String) {
        _ = try await self.user(user)
        let keys = try await state().snapshot.accessKeys.values.filter { $0.userName == user }
        guard keys.count < 2 else {
            throw IAMError.limitExceeded(code: "LimitExceeded.User.AccessKey", message: "A user may have at most 2 access keys.")
        }
        let id = "LTAI" + RandomText.alphanumeric(20)
        let secret = RandomText.alphanumeric(30)
        let record = AccessKeyRecord(accessKeyId: id, userName: user,
                                     sealedSecret: try master.seal(Array(secret.utf8), context: "access-key:" + id),
                                     status: .active, createdAt: clock())
        try check(try await store.addAccessKey(record), entity: "User", name: user)
        try await invalidate()
        return (record, secret)
    }

    public func accessKeys(user: String) async throws -> [AccessKeyRecord] {
        _ = try await self.user(user)
        return try await state().snapshot.accessKeys.values.filter { $0.userName == user }.sorted { $0.createdAt < $1.createdAt }
    }

    public func setAccessKeyStatus(user: String, accessKeyId: String, status: AccessKeyStatus) async throws {
        try check(try await store.setAccessKeyStatus(accessKeyId, user: user, status: status), entity: "AccessKey", name: accessKeyId)
        try await invalidate()
    }

    public func deleteAccessKey(user: String, accessKeyId: String) async throws {
        try check(try await store.deleteAccessKey(accessKeyId, user: user), entity: "AccessKey", name: accessKeyId)
        try await invalidate()
    }

    // MARK: roles

    /// Maximum session duration: 3600 s by default, up to 12 hours (RAM's limits).
    public func createRole(name: String, trustPolicy: String, maxSessionDuration: Int64?, description: String?) async throws
        -> RoleRecord
    {
        guard Self.validName(name) else {
            throw IAMError.invalidParameter("RoleName", "A role name is 1-64 of letters, digits, '.', '_', '@' and '-'.")
        }
        try Self.checkTrustPolicy(trustPolicy)
        let duration = try Self.checkSessionDuration(maxSessionDuration ?? 3600)
        let role = RoleRecord(name: name, id: RandomText.digits(18), trustPolicy: trustPolicy, maxSessionDuration: duration,
                              description: description ?? "", createdAt: clock())
        try check(try await store.createRole(role), entity: "Role", name: name)
        try await invalidate()
        return role
    }

    /// RAM's UpdateRole: what is given replaces the role's own, checked as at creation. Sessions already issued
    /// keep the rights they were issued with; the trust policy decides only later AssumeRole calls.
    public func updateRole(name: String, trustPolicy: String?, maxSessionDuration: Int64?, description: String?) async throws
        -> RoleRecord
    {
        var role = try await self.role(name)
        if let trustPolicy {
            try Self.checkTrustPolicy(trustPolicy)
            role.trustPolicy = trustPolicy
        }
        if let maxSessionDuration { role.maxSessionDuration = try Self.checkSessionDuration(maxSessionDuration) }
        if let description { role.description = description }
        try check(try await store.updateRole(role), entity: "Role", name: name)
        try await invalidate()
        return role
    }

    static func checkTrustPolicy(_ json: String) throws {
        do {
            let trust = try Policy(json: json)
            guard trust.statements.allSatisfy({ $0.principals != nil }) else {
                throw PolicyError("Every statement of a trust policy names a Principal.")
            }
        } catch {
            throw IAMError.malformedPolicy("The trust policy is invalid: \(error)")
        }
    }

    static func checkSessionDuration(_ seconds: Int64) throws -> Int64 {
        guard (3600...43200).contains(seconds) else {
            throw IAMError.invalidParameter("MaxSessionDuration", "MaxSessionDuration must be between 3600 and 43200 seconds.")
        }
        return seconds
    }

    public func listRoles() async throws -> [RoleRecord] {
        try await state().snapshot.roles.values.sorted { $0.name < $1.name }
    }

    public func role(_ name: String) async throws -> RoleRecord {
        guard let role = try await state().snapshot.roles[name.lowercased()] else { throw IAMError.notExist("Role", name) }
        return role
    }

    public func deleteRole(_ name: String) async throws {
        try check(try await store.deleteRole(name), entity: "Role", name: name)
        try await invalidate()
    }

    // MARK: policies

    public func createPolicy(name: String, document: String, description: String?) async throws -> PolicyRecord {
        guard Self.validName(name, maxLength: 128) else {
            throw IAMError.invalidParameter("PolicyName", "A policy name is 1-128 of letters, digits, '.', '_', '@' and '-'.")
        }
        do {
            _ = try Policy(json: document)
        } catch {
            throw IAMError.malformedPolicy("The policy document is invalid: \(error)")
        }
        let record = PolicyRecord(name: name, document: document, description: description ?? "", createdAt: clock())
        try check(try await store.createPolicy(record), entity: "Policy", name: name)
        try await invalidate()
        return record
    }

    public func listPolicies() async throws -> [PolicyRecord] {
        try await state().snapshot.policies.values.sorted { $0.name < $1.name }
    }

    public func policy(_ name: String) async throws -> PolicyRecord {
        guard let policy = try await state().snapshot.policies[name] else { throw IAMError.notExist("Policy", name) }
        return policy
    }

    public func deletePolicy(_ name: String) async throws {
        try check(try await store.deletePolicy(name), entity: "Policy", name: name)
        try await invalidate()
    }

    public func attach(policy: String, to holder: PolicyHolder) async throws {
        _ = try await self.policy(policy)
        switch holder {
        case .user(let name): _ = try await user(name)
        case .role(let name): _ = try await role(name)
        }
        try check(try await store.attach(policy: policy, to: holder), entity: "Policy", name: policy)
        try await invalidate()
    }

    public func detach(policy: String, from holder: PolicyHolder) async throws {
        try check(try await store.detach(policy: policy, from: holder), entity: "Attachment", name: policy)
        try await invalidate()
    }

    public func attachedPolicies(_ holder: PolicyHolder) async throws -> [String] {
        let key: PolicyHolder
        switch holder {
        case .user(let name): key = .user(name)
        case .role(let name): key = .role(name.lowercased())
        }
        return try await state().snapshot.attachments[key] ?? []
    }
}
