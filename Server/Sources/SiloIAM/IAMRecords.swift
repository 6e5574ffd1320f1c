/// RAM identities as stored. Secrets and signing keys are stored sealed (encrypted by the IAM layer).

public struct UserRecord: Sendable, Hashable, Codable {
    public var name: String
    public var id: String
    public var displayName: String
    public var createdAt: Int64

    public init(name: String, id: String, displayName: String, createdAt: Int64) {
        self.name = name
        self.id = id
        self.displayName = displayName
        self.createdAt = createdAt
    }
}

public enum AccessKeyStatus: String, Sendable, Hashable, Codable {
    case active = "Active"
    case inactive = "Inactive"
}

public struct AccessKeyRecord: Sendable, Hashable {
    public var accessKeyId: String
    public var userName: String
    public var sealedSecret: [UInt8]
    public var status: AccessKeyStatus
    public var createdAt: Int64

    public init(accessKeyId: String, userName: String, sealedSecret: [UInt8], status: AccessKeyStatus, createdAt: Int64) {
        self.accessKeyId = accessKeyId
        self.userName = userName
        self.sealedSecret = sealedSecret
        self.status = status
        self.createdAt = createdAt
    }
}

public struct RoleRecord: Sendable, Hashable {
    public var name: String
    public var id: String
    public var trustPolicy: String
    public var maxSessionDuration: Int64
    public var description: String
    public var createdAt: Int64

    public init(name: String, id: String, trustPolicy: String, maxSessionDuration: Int64, description: String, createdAt: Int64) {
        self.name = name
        self.id = id
        self.trustPolicy = trustPolicy
        self.maxSessionDuration = maxSessionDuration
        self.description = description
        self.createdAt = createdAt
    }
}

public struct PolicyRecord: Sendable, Hashable {
    public var name: String
    public var document: String
    public var description: String
    public var createdAt: Int64

    public init(name: String, document: String, description: String, createdAt: Int64) {
        self.name = name
        self.document = document
        self.description = description
        self.createdAt = createdAt
    }
}

/// A key that seals STS tokens, itself sealed with the master key. The newest unretired one signs.
public struct TokenKeyRecord: Sendable, Hashable {
    public var id: String
    public var sealedKey: [UInt8]
    public var createdAt: Int64

    public init(id: String, sealedKey: [UInt8], createdAt: Int64) {
        self.id = id
        self.sealedKey = sealedKey
        self.createdAt = createdAt
    }
}

public enum PolicyHolder: Sendable, Hashable {
    case user(String)
    case role(String)
}

/// Everything IAM knows, read at once: small enough to hold in memory, and consistent.
public struct IAMSnapshot: Sendable {
    public var users: [String: UserRecord]
    public var accessKeys: [String: AccessKeyRecord]
    public var roles: [String: RoleRecord]
    public var policies: [String: PolicyRecord]
    public var attachments: [PolicyHolder: [String]]
    public var tokenKeys: [TokenKeyRecord]

    public init(users: [String: UserRecord] = [:], accessKeys: [String: AccessKeyRecord] = [:],
                roles: [String: RoleRecord] = [:], policies: [String: PolicyRecord] = [:],
                attachments: [PolicyHolder: [String]] = [:], tokenKeys: [TokenKeyRecord] = []) {
        self.users = users
        self.accessKeys = accessKeys
        self.roles = roles
        self.policies = policies
        self.attachments = attachments
        self.tokenKeys = tokenKeys
    }
}

public enum IAMWriteOutcome: Sendable, Hashable {
    case done
    case alreadyExists
    case notFound
    /// The entity is still referenced (a policy attached somewhere).
    case inUse
}

/// Durable IAM state. Each call is one transaction.
public protocol IAMStore: Sendable {
    func iamSnapshot() async throws -> IAMSnapshot

    func createUser(_ user: UserRecord) async throws -> IAMWriteOutcome
    /// Deletes the user with its access keys and policy attachments.
    func deleteUser(_ name: String) async throws -> IAMWriteOutcome
    func addAccessKey(_ key: AccessKeyRecord) async throws -> IAMWriteOutcome
    func setAccessKeyStatus(_ accessKeyId: String, user: String, status: AccessKeyStatus) async throws -> IAMWriteOutcome
    func deleteAccessKey(_ accessKeyId: String, user: String) async throws -> IAMWriteOutcome

    func createRole(_ role: RoleRecord) async throws -> IAMWriteOutcome
    /// Replaces the trust policy, maximum session duration and description of the role of that name.
    func updateRole(_ role: RoleRecord) async throws -> IAMWriteOutcome
    /// Deletes the role with its policy attachments.
    func deleteRole(_ name: String) async throws -> IAMWriteOutcome

    func createPolicy(_ policy: PolicyRecord) async throws -> IAMWriteOutcome
    /// Refuses (`inUse`) while the policy is attached.
    func deletePolicy(_ name: String) async throws -> IAMWriteOutcome
    func attach(policy: String, to holder: PolicyHolder) async throws -> IAMWriteOutcome
    func detach(policy: String, from holder: PolicyHolder) async throws -> IAMWriteOutcome

    func addTokenKey(_ key: TokenKeyRecord) async throws

    /// A number that changes with every committed IAM write: gateways sharing the store poll it and reload what
    /// they hold in memory when it moves.
    func iamGeneration() async throws -> Int64
}
