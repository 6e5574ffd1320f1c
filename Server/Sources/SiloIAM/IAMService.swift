import Crypto
import Foundation
import NIOConcurrencyHelpers
import SiloCore
import SiloPolicy

/// Limits of AssumeRole that deployments (and tests) may tune.
public struct STSSettings: Sendable {
    /// The shortest session AssumeRole grants. 900 s as in RAM; tests lower it to watch tokens expire.
    public var minimumDuration: Int64 = 900
    public var defaultDuration: Int64 = 3600
    public var maximumPolicyBytes = 2048
    /// Role chaining (a session assuming a role) is capped at one hour, as in RAM.
    public var maximumChainedDuration: Int64 = 3600

    public init() {}
}

/// Identities, keys, roles and policies: resolves credentials, gathers the policies that govern a principal, and
/// runs the admin and STS operations. State is read once into memory and reloaded after every change.
public final class IAMService: CredentialResolver, Sendable {
    public let accountId: String
    let rootAccessKeyId: String
    let rootSecret: String
    let store: any IAMStore
    let master: Sealer
    let clock: @Sendable () -> Int64
    public let settings: STSSettings
    /// STS signature nonces seen within the timestamp window.
    public let nonces: any NonceRegistry

    struct State: Sendable {
        var snapshot: IAMSnapshot
        var secrets: [String: String]
        var policies: [String: Policy]
        /// Trust policies by lower-cased role name, parsed once per change.
        var trust: [String: Policy]
        var keyring: TokenKeyring
    }

    private let cached = NIOLockedValueBox<State?>(nil)
    /// Verified tokens, so a session's policy is parsed once, not per request.
    private let sessions = NIOLockedValueBox<[String: (SessionClaims, Policy?)]>([:])
    static let sessionCacheLimit = 10_000

    public init(store: any IAMStore, accountId: String, rootAccessKeyId: String, rootSecret: String,
                masterKey: SymmetricKey, settings: STSSettings = STSSettings(),
                nonces: any NonceRegistry = InMemoryNonceRegistry(),
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.store = store
        self.nonces = nonces
        self.accountId = accountId
        self.rootAccessKeyId = rootAccessKeyId
        self.rootSecret = rootSecret
        self.master = Sealer(key: masterKey)
        self.settings = settings
        self.clock = clock
    }

    /// Seals a secret Silo keeps for others (a bucket's webhook key) under the master key, bound to `context`.
    public func sealAtRest(_ plaintext: [UInt8], context: String) throws -> [UInt8] {
        try master.seal(plaintext, context: context)
    }

    /// Nil when the sealed bytes were altered or belong to another context or master key.
    public func openAtRest(_ sealed: [UInt8], context: String) -> [UInt8]? {
        master.open(sealed, context: context)
    }

    /// Makes sure a token key exists; call once at start.
    public func bootstrap() async throws {
        let snapshot = try await store.iamSnapshot()
        if snapshot.tokenKeys.isEmpty { try await addTokenKey() }
        _ = try await state(reload: true)
    }

    /// Adds a token key that signs from now on; older keys keep verifying the tokens they signed.
    public func rotateTokenKey() async throws -> String {
        let id = try await addTokenKey()
        _ = try await state(reload: true)
        return id
    }

    @discardableResult
    private func addTokenKey() async throws -> String {
        let id = "k" + String(clock(), radix: 36) + RandomText.alphanumeric(4).lowercased()
        let raw = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        try await store.addTokenKey(TokenKeyRecord(id: id, sealedKey: try master.seal(raw, context: "sts-token-key:" + id),
                                                   createdAt: clock()))
        return id
    }

    func state(reload: Bool = false) async throws -> State {
        if !reload, let state = cached.withLockedValue({ $0 }) { return state }
        let snapshot = try await store.iamSnapshot()
        var secrets: [String: String] = [:]
        for key in snapshot.accessKeys.values {
            guard let plain = master.open(key.sealedSecret, context: "access-key:" + key.accessKeyId),
                let secret = String(validating: plain, as: UTF8.self)
            else { throw IAMError.internalFailure("An access key secret cannot be unsealed; is SILO_MASTER_KEY the one it was sealed with?") }
            secrets[key.accessKeyId] = secret
        }
        var policies: [String: Policy] = [:]
        for record in snapshot.policies.values { policies[record.name] = try? Policy(json: record.document) }
        var trust: [String: Policy] = [:]
        for (name, role) in snapshot.roles { trust[name] = try? Policy(json: role.trustPolicy) }
        var tokenKeys: [String: SymmetricKey] = [:]
        for record in snapshot.tokenKeys {
            guard let raw = master.open(record.sealedKey, context: "sts-token-key:" + record.id) else {
                throw IAMError.internalFailure("An STS token key cannot be unsealed with this master key.")
            }
            tokenKeys[record.id] = SymmetricKey(data: raw)
        }
        let current = snapshot.tokenKeys.last?.id ?? ""
        let state = State(snapshot: snapshot, secrets: secrets, policies: policies, trust: trust,
                          keyring: TokenKeyring(keys: tokenKeys, currentKeyId: current))
        cached.withLockedValue { $0 = state }
        return state
    }

    func invalidate() async throws {
        _ = try await state(reload: true)
    }

    private let seenGeneration = NIOLockedValueBox<Int64?>(nil)

    /// Reloads when the store's IAM generation moved since the last look: how a change made through another
    /// gateway reaches this one. Gateways call it about every 200 ms.
    public func reloadIfChanged() async throws {
        let generation = try await store.iamGeneration()
        let previous = seenGeneration.withLockedValue { seen -> Int64? in
            defer { seen = generation }
            return seen
        }
        // The first look reloads too: a change may have landed between the start-up load and now.
        if previous != generation { try await invalidate() }
    }

    // MARK: credentials

    public func resolve(accessKeyId: String, securityToken: String?) async throws -> ResolvedKey {
        if accessKeyId.hasPrefix("STS.") {
            guard let securityToken, !securityToken.isEmpty else { throw CredentialError.invalidSecurityToken }
            let (claims, _) = try await session(token: securityToken)
            guard claims.accessKeyId == accessKeyId else { throw CredentialError.keyAndTokenMismatch }
            return ResolvedKey(principal: .roleSession(claims.session), secret: claims.secret)
        }
        if let securityToken, !securityToken.isEmpty {
            // A long-term key never comes with a token; this is a token lifted from another session.
            _ = securityToken
            throw CredentialError.keyAndTokenMismatch
        }
        if accessKeyId == rootAccessKeyId {
            return ResolvedKey(principal: .root(accessKeyId: accessKeyId), secret: rootSecret)
        }
        let state = try await state()
        guard let key = state.snapshot.accessKeys[accessKeyId], key.status == .active,
            let user = state.snapshot.users[key.userName], let secret = state.secrets[accessKeyId]
        else { throw CredentialError.invalidAccessKeyId(accessKeyId) }
        return ResolvedKey(principal: .user(name: user.name, id: user.id, accessKeyId: accessKeyId), secret: secret)
    }

    /// Opens and checks a SecurityToken: forged or foreign tokens, then expiry.
    public func session(token: String) async throws -> (SessionClaims, Policy?) {
        let now = clock()
        if let cached = sessions.withLockedValue({ $0[token] }) {
            guard cached.0.expiration > now else { throw CredentialError.securityTokenExpired }
            try await requireIssuingRole(cached.0)
            return cached
        }
        let claims: SessionClaims
        do {
            claims = try await state().keyring.open(token)
        } catch {
            throw CredentialError.invalidSecurityToken
        }
        guard claims.accountId == accountId else { throw CredentialError.invalidSecurityToken }
        guard claims.expiration > now else { throw CredentialError.securityTokenExpired }
        try await requireIssuingRole(claims)
        let policy = try claims.sessionPolicy.map { text in
            do { return try Policy(json: text) } catch { throw CredentialError.invalidSecurityToken }
        }
        sessions.withLockedValue { cache in
            if cache.count >= Self.sessionCacheLimit {
                cache = cache.filter { $0.value.0.expiration > now }
                if cache.count >= Self.sessionCacheLimit { cache.removeAll(keepingCapacity: true) }
            }
            cache[token] = (claims, policy)
        }
        return (claims, policy)
    }

    /// A token belongs to the role it was issued for, not to whatever role holds that name now: deleting a role
    /// ends its sessions, and a new role of the same name (a new id) does not bring them back.
    private func requireIssuingRole(_ claims: SessionClaims) async throws {
        guard let role = try await state().snapshot.roles[claims.roleName.lowercased()], role.id == claims.roleId else {
            throw CredentialError.invalidSecurityToken
        }
    }

    // MARK: policies that govern a principal

    /// A RAM user's attached policies, or a role session's role policies.
    public func identityPolicies(for principal: Principal) async throws -> [NamedPolicy] {
        let holder: PolicyHolder
        let label: String
        switch principal {
        case .anonymous, .root: return []
        case .user(let name, _, _):
            holder = .user(name)
            label = "user \(name)"
        case .roleSession(let session):
            holder = .role(session.roleName.lowercased())
            label = "role \(session.roleName)"
        }
        let state = try await state()
        return (state.snapshot.attachments[holder] ?? []).compactMap { name in
            state.policies[name].map { NamedPolicy("policy \"\(name)\" attached to \(label)", $0) }
        }
    }

    public func sessionPolicy(for principal: Principal) async throws -> NamedPolicy? {
        guard case .roleSession(let session) = principal, let text = session.sessionPolicy else { return nil }
        do {
            return NamedPolicy("the session policy of \(session.roleName)/\(session.sessionName)", try Policy(json: text))
        } catch {
            throw CredentialError.invalidSecurityToken
        }
    }

    /// Identity-side authorization (admin operations and AssumeRole): root, or policies that allow.
    public func decide(_ principal: Principal, action: String, resource: String, values: [String: [String]] = [:])
        async throws -> Decision
    {
        var input = AuthorizationInput(isAccountRoot: { if case .root = principal { return true } else { return false } }())
        input.identityPolicies = try await identityPolicies(for: principal)
        input.sessionPolicy = try await sessionPolicy(for: principal)
        return Authorizer.decide(input, RequestContext(action: action, resource: resource,
                                                        principal: principal.identity(account: accountId), values: values))
    }

    public func roleArn(_ name: String) -> String { "acs:ram::\(accountId):role/\(name)" }
}
