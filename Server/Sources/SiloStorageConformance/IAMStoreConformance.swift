import SiloIAM

/// The behaviour every `IAMStore` must show. Each check gets a fresh, empty store.
public enum IAMStoreConformance {
    public typealias Check = @Sendable (any IAMStore) async throws -> Void

    public static let checks: [(name: String, run: Check)] = [
        ("usersAndKeys", usersAndKeys),
        ("rolesAndAttachments", rolesAndAttachments),
        ("policiesInUseStay", policiesInUseStay),
        ("tokenKeysInOrder", tokenKeysInOrder),
        ("everyWriteMovesTheGeneration", everyWriteMovesTheGeneration),
    ]

    static func key(_ id: String, user: String) -> AccessKeyRecord {
        AccessKeyRecord(accessKeyId: id, userName: user, sealedSecret: [1, 2, 3], status: .active, createdAt: 10)
    }

    public static func usersAndKeys(_ store: any IAMStore) async throws {
        try expect(try await store.createUser(UserRecord(name: "alice", id: "1", displayName: "A", createdAt: 5)) == .done, "created")
        try expect(try await store.createUser(UserRecord(name: "alice", id: "2", displayName: "", createdAt: 6)) == .alreadyExists,
                   "names are unique")
        try expect(try await store.addAccessKey(key("K1", user: "nobody")) == .notFound, "a key needs its user")
        try expect(try await store.addAccessKey(key("K1", user: "alice")) == .done, "key added")
        try expect(try await store.addAccessKey(key("K1", user: "alice")) == .alreadyExists, "key ids are unique")
        try expect(try await store.setAccessKeyStatus("K1", user: "alice", status: .inactive) == .done, "disabled")
        try expect(try await store.setAccessKeyStatus("K1", user: "bob", status: .active) == .notFound, "only the owner's key")
        var snapshot = try await store.iamSnapshot()
        try expect(snapshot.users["alice"]?.id == "1" && snapshot.accessKeys["K1"]?.status == .inactive
                   && snapshot.accessKeys["K1"]?.sealedSecret == [1, 2, 3], "the snapshot holds what was written")
        try expect(try await store.deleteUser("alice") == .done, "deleted")
        snapshot = try await store.iamSnapshot()
        try expect(snapshot.users.isEmpty && snapshot.accessKeys.isEmpty, "a user's keys go with it")
        try expect(try await store.deleteUser("alice") == .notFound, "deleting twice finds nothing")
    }

    public static func rolesAndAttachments(_ store: any IAMStore) async throws {
        try expect(try await store.createRole(RoleRecord(name: "uploader", id: "9", trustPolicy: "{}", maxSessionDuration: 3600,
                                                         description: "", createdAt: 1)) == .done, "role created")
        _ = try await store.createUser(UserRecord(name: "bob", id: "2", displayName: "", createdAt: 1))
        _ = try await store.createPolicy(PolicyRecord(name: "p", document: "{}", description: "", createdAt: 1))
        try expect(try await store.attach(policy: "p", to: .role("uploader")) == .done, "attached to the role")
        try expect(try await store.attach(policy: "p", to: .user("bob")) == .done, "attached to the user")
        try expect(try await store.attach(policy: "missing", to: .user("bob")) == .notFound, "only existing policies")
        try expect(try await store.attach(policy: "p", to: .user("nobody")) == .notFound, "only existing holders")
        var updated = RoleRecord(name: "Uploader", id: "ignored", trustPolicy: #"{"Version":"1"}"#, maxSessionDuration: 7200,
                                 description: "app users", createdAt: 99)
        try expect(try await store.updateRole(updated) == .done, "role updated, whatever the case of its name")
        updated.name = "nobody"
        try expect(try await store.updateRole(updated) == .notFound, "only existing roles are updated")
        var snapshot = try await store.iamSnapshot()
        let role = snapshot.roles["uploader"]
        try expect(role?.trustPolicy == #"{"Version":"1"}"# && role?.maxSessionDuration == 7200 && role?.description == "app users"
                   && role?.id == "9" && role?.createdAt == 1 && role?.name == "uploader",
                   "an update replaces the trust, duration and description only: \(String(describing: role))")
        try expect(snapshot.attachments[.role("uploader")] == ["p"] && snapshot.attachments[.user("bob")] == ["p"],
                   "attachments: \(snapshot.attachments)")
        try expect(try await store.detach(policy: "p", from: .user("bob")) == .done, "detached")
        try expect(try await store.detach(policy: "p", from: .user("bob")) == .notFound, "detaching twice finds nothing")
        try expect(try await store.deleteRole("uploader") == .done, "role deleted")
        snapshot = try await store.iamSnapshot()
        try expect(snapshot.roles.isEmpty && (snapshot.attachments[.role("uploader")] ?? []).isEmpty,
                   "a role's attachments go with it")
    }

    public static func policiesInUseStay(_ store: any IAMStore) async throws {
        _ = try await store.createUser(UserRecord(name: "carol", id: "3", displayName: "", createdAt: 1))
        _ = try await store.createPolicy(PolicyRecord(name: "p", document: "{}", description: "", createdAt: 1))
        try expect(try await store.createPolicy(PolicyRecord(name: "p", document: "{}", description: "", createdAt: 1))
                   == .alreadyExists, "policy names are unique")
        _ = try await store.attach(policy: "p", to: .user("carol"))
        try expect(try await store.deletePolicy("p") == .inUse, "an attached policy stays")
        _ = try await store.detach(policy: "p", from: .user("carol"))
        try expect(try await store.deletePolicy("p") == .done, "a detached policy goes")
        try expect(try await store.iamSnapshot().policies.isEmpty, "gone")
    }

    public static func tokenKeysInOrder(_ store: any IAMStore) async throws {
        try await store.addTokenKey(TokenKeyRecord(id: "k1", sealedKey: [1], createdAt: 1))
        try await store.addTokenKey(TokenKeyRecord(id: "k2", sealedKey: [2], createdAt: 2))
        let keys = try await store.iamSnapshot().tokenKeys
        try expect(keys.map(\.id) == ["k1", "k2"] && keys.last?.sealedKey == [2], "the newest key signs: \(keys)")
    }

    /// Other gateways reload when the generation moves, so every committed write must move it; refusals need not.
    public static func everyWriteMovesTheGeneration(_ store: any IAMStore) async throws {
        var last = try await store.iamGeneration()
        func moved(_ what: String) async throws {
            let now = try await store.iamGeneration()
            try expect(now != last, "\(what) moves the generation")
            last = now
        }
        _ = try await store.createUser(UserRecord(name: "u", id: "1", displayName: "", createdAt: 1))
        try await moved("createUser")
        _ = try await store.addAccessKey(key("K", user: "u"))
        try await moved("addAccessKey")
        _ = try await store.setAccessKeyStatus("K", user: "u", status: .inactive)
        try await moved("setAccessKeyStatus")
        _ = try await store.createPolicy(PolicyRecord(name: "p", document: "{}", description: "", createdAt: 1))
        try await moved("createPolicy")
        _ = try await store.attach(policy: "p", to: .user("u"))
        try await moved("attach")
        _ = try await store.detach(policy: "p", from: .user("u"))
        try await moved("detach")
        _ = try await store.createRole(RoleRecord(name: "R", id: "9", trustPolicy: "{}", maxSessionDuration: 3600,
                                                  description: "", createdAt: 1))
        try await moved("createRole")
        _ = try await store.updateRole(RoleRecord(name: "r", id: "9", trustPolicy: "{}", maxSessionDuration: 7200,
                                                  description: "", createdAt: 1))
        try await moved("updateRole")
        _ = try await store.deleteRole("r")
        try await moved("deleteRole")
        _ = try await store.deletePolicy("p")
        try await moved("deletePolicy")
        _ = try await store.deleteAccessKey("K", user: "u")
        try await moved("deleteAccessKey")
        _ = try await store.deleteUser("u")
        try await moved("deleteUser")
        try await store.addTokenKey(TokenKeyRecord(id: "k1", sealedKey: [1], createdAt: 1))
        try await moved("addTokenKey")
    }
}
