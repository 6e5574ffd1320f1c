import Foundation
import GRDB
import SiloIAM
import SiloStorage

extension SQLiteMetadataStore: IAMStore {
    public func iamSnapshot() async throws -> IAMSnapshot {
        try await pool.read { db in
            var snapshot = IAMSnapshot()
            for row in try Row.fetchAll(db, sql: "SELECT name, id, display_name, created_at FROM iam_users") {
                let user = UserRecord(name: row[0], id: row[1], displayName: row[2], createdAt: row[3])
                snapshot.users[user.name] = user
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, user_name, sealed_secret, status, created_at FROM iam_access_keys") {
                let data: Data = row[2]
                let key = AccessKeyRecord(accessKeyId: row[0], userName: row[1], sealedSecret: Array(data),
                                          status: AccessKeyStatus(rawValue: row[3]) ?? .inactive, createdAt: row[4])
                snapshot.accessKeys[key.accessKeyId] = key
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT name, id, trust_policy, max_session_duration, description, created_at FROM iam_roles")
            {
                let role = RoleRecord(name: row[0], id: row[1], trustPolicy: row[2], maxSessionDuration: row[3],
                                      description: row[4], createdAt: row[5])
                snapshot.roles[role.name.lowercased()] = role
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, document, description, created_at FROM iam_policies") {
                let policy = PolicyRecord(name: row[0], document: row[1], description: row[2], createdAt: row[3])
                snapshot.policies[policy.name] = policy
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT holder_kind, holder_name, policy_name FROM iam_attachments ORDER BY policy_name")
            {
                let kind: String = row[0]
                let name: String = row[1]
                let holder: PolicyHolder = kind == "role" ? .role(name.lowercased()) : .user(name)
                snapshot.attachments[holder, default: []].append(row[2])
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, sealed_key, created_at FROM sts_token_keys ORDER BY created_at, id") {
                let data: Data = row[1]
                snapshot.tokenKeys.append(TokenKeyRecord(id: row[0], sealedKey: Array(data), createdAt: row[2]))
            }
            return snapshot
        }
    }

    public func iamGeneration() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM generations WHERE topic = 'iam'") ?? 0 }
    }

    /// Marks an IAM change in the writing transaction.
    private func bump(_ db: Database) throws {
        try db.execute(sql: "UPDATE generations SET value = value + 1 WHERE topic = 'iam'")
    }

    private func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Bool.fetchOne(db, sql: sql, arguments: arguments) != nil
    }

    public func createUser(_ user: UserRecord) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            if try self.exists(db, "SELECT 1 FROM iam_users WHERE name = ?", [user.name]) { return .alreadyExists }
            try db.execute(sql: "INSERT INTO iam_users (name, id, display_name, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [user.name, user.id, user.displayName, user.createdAt])
            try self.bump(db)
            return .done
        }
    }

    public func deleteUser(_ name: String) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            guard try self.exists(db, "SELECT 1 FROM iam_users WHERE name = ?", [name]) else { return .notFound }
            try db.execute(sql: "DELETE FROM iam_access_keys WHERE user_name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM iam_attachments WHERE holder_kind = 'user' AND holder_name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM iam_users WHERE name = ?", arguments: [name])
            try self.bump(db)
            return .done
        }
    }

    public func addAccessKey(_ key: AccessKeyRecord) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            guard try self.exists(db, "SELECT 1 FROM iam_users WHERE name = ?", [key.userName]) else { return .notFound }
            if try self.exists(db, "SELECT 1 FROM iam_access_keys WHERE id = ?", [key.accessKeyId]) { return .alreadyExists }
            try db.execute(
                sql: "INSERT INTO iam_access_keys (id, user_name, sealed_secret, status, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [key.accessKeyId, key.userName, Data(key.sealedSecret), key.status.rawValue, key.createdAt])
            try self.bump(db)
            return .done
        }
    }

    public func setAccessKeyStatus(_ accessKeyId: String, user: String, status: AccessKeyStatus) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            try db.execute(sql: "UPDATE iam_access_keys SET status = ? WHERE id = ? AND user_name = ?",
                           arguments: [status.rawValue, accessKeyId, user])
            guard db.changesCount > 0 else { return .notFound }
            try self.bump(db)
            return .done
        }
    }

    public func deleteAccessKey(_ accessKeyId: String, user: String) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM iam_access_keys WHERE id = ? AND user_name = ?", arguments: [accessKeyId, user])
            guard db.changesCount > 0 else { return .notFound }
            try self.bump(db)
            return .done
        }
    }

    public func createRole(_ role: RoleRecord) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            if try self.exists(db, "SELECT 1 FROM iam_roles WHERE name = ?", [role.name]) { return .alreadyExists }
            try db.execute(
                sql: "INSERT INTO iam_roles (name, id, trust_policy, max_session_duration, description, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [role.name, role.id, role.trustPolicy, role.maxSessionDuration, role.description, role.createdAt])
            try self.bump(db)
            return .done
        }
    }

    public func updateRole(_ role: RoleRecord) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE iam_roles SET trust_policy = ?, max_session_duration = ?, description = ? WHERE name = ?",
                arguments: [role.trustPolicy, role.maxSessionDuration, role.description, role.name])
            guard db.changesCount > 0 else { return .notFound }
            try self.bump(db)
            return .done
        }
    }

    public func deleteRole(_ name: String) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            guard try self.exists(db, "SELECT 1 FROM iam_roles WHERE name = ?", [name]) else { return .notFound }
            try db.execute(sql: "DELETE FROM iam_attachments WHERE holder_kind = 'role' AND holder_name = ? COLLATE NOCASE",
                           arguments: [name])
            try db.execute(sql: "DELETE FROM iam_roles WHERE name = ?", arguments: [name])
            try self.bump(db)
            return .done
        }
    }

    public func createPolicy(_ policy: PolicyRecord) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            if try self.exists(db, "SELECT 1 FROM iam_policies WHERE name = ?", [policy.name]) { return .alreadyExists }
            try db.execute(sql: "INSERT INTO iam_policies (name, document, description, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [policy.name, policy.document, policy.description, policy.createdAt])
            try self.bump(db)
            return .done
        }
    }

    public func deletePolicy(_ name: String) async throws -> IAMWriteOutcome {
        try await pool.write { db in
            guard try self.exists(db, "SELECT 1 FROM iam_policies WHERE name = ?", [name]) else { return .notFound }
            if try self.exists(db, "SELECT 1 FROM iam_attachments WHERE policy_name = ? LIMIT 1", [name]) { return .inUse }
            try db.execute(sql: "DELETE FROM iam_policies WHERE name = ?", arguments: [name])
            try self.bump(db)
            return .done
        }
    }

    private static func holderColumns(_ holder: PolicyHolder) -> (String, String) {
        switch holder {
        case .user(let name): return ("user", name)
        case .role(let name): return ("role", name.lowercased())
        }
    }

    public func attach(policy: String, to holder: PolicyHolder) async throws -> IAMWriteOutcome {
        let (kind, name) = Self.holderColumns(holder)
        return try await pool.write { db in
            guard try self.exists(db, "SELECT 1 FROM iam_policies WHERE name = ?", [policy]) else { return .notFound }
            let holderExists = kind == "user"
                ? try self.exists(db, "SELECT 1 FROM iam_users WHERE name = ?", [name])
                : try self.exists(db, "SELECT 1 FROM iam_roles WHERE name = ?", [name])
            guard holderExists else { return .notFound }
            try db.execute(sql: "INSERT OR IGNORE INTO iam_attachments (holder_kind, holder_name, policy_name) VALUES (?, ?, ?)",
                           arguments: [kind, name, policy])
            try self.bump(db)
            return .done
        }
    }

    public func detach(policy: String, from holder: PolicyHolder) async throws -> IAMWriteOutcome {
        let (kind, name) = Self.holderColumns(holder)
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM iam_attachments WHERE holder_kind = ? AND holder_name = ? AND policy_name = ?",
                           arguments: [kind, name, policy])
            guard db.changesCount > 0 else { return .notFound }
            try self.bump(db)
            return .done
        }
    }

    public func addTokenKey(_ key: TokenKeyRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO sts_token_keys (id, sealed_key, created_at) VALUES (?, ?, ?)",
                           arguments: [key.id, Data(key.sealedKey), key.createdAt])
            try self.bump(db)
        }
    }
}
