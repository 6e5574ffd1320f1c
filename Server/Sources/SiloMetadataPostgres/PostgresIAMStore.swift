import NIOCore
import PostgresNIO
import SiloIAM
import SiloStorage

extension PostgresMetadataStore: IAMStore {
    public func iamSnapshot() async throws -> IAMSnapshot {
        // One REPEATABLE READ transaction: the tables are read at one instant, so the snapshot is consistent.
        try await database.transaction { connection in
            let logger = self.database.logger
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var snapshot = IAMSnapshot()
            for row in try await connection.rows("SELECT name, id, display_name, created_at FROM iam_users", logger: logger) {
                let (name, id, displayName, createdAt) = try row.decode((String, String, String, Int64).self)
                snapshot.users[name] = UserRecord(name: name, id: id, displayName: displayName, createdAt: createdAt)
            }
            for row in try await connection.rows(
                "SELECT id, user_name, sealed_secret, status, created_at FROM iam_access_keys", logger: logger
            ) {
                let (id, user, sealed, status, createdAt) = try row.decode((String, String, ByteBuffer, String, Int64).self)
                snapshot.accessKeys[id] = AccessKeyRecord(
                    accessKeyId: id, userName: user, sealedSecret: Array(sealed.readableBytesView),
                    status: AccessKeyStatus(rawValue: status) ?? .inactive, createdAt: createdAt)
            }
            for row in try await connection.rows(
                "SELECT name, id, trust_policy, max_session_duration, description, created_at FROM iam_roles", logger: logger
            ) {
                let (name, id, trust, duration, description, createdAt) =
                    try row.decode((String, String, String, Int64, String, Int64).self)
                snapshot.roles[name.lowercased()] = RoleRecord(
                    name: name, id: id, trustPolicy: trust, maxSessionDuration: duration, description: description,
                    createdAt: createdAt)
            }
            for row in try await connection.rows(
                "SELECT name, document, description, created_at FROM iam_policies", logger: logger
            ) {
                let (name, document, description, createdAt) = try row.decode((String, String, String, Int64).self)
                snapshot.policies[name] = PolicyRecord(name: name, document: document, description: description,
                                                       createdAt: createdAt)
            }
            for row in try await connection.rows(
                "SELECT holder_kind, holder_name, policy_name FROM iam_attachments ORDER BY policy_name", logger: logger
            ) {
                let (kind, name, policy) = try row.decode((String, String, String).self)
                let holder: PolicyHolder = kind == "role" ? .role(name.lowercased()) : .user(name)
                snapshot.attachments[holder, default: []].append(policy)
            }
            for row in try await connection.rows(
                "SELECT id, sealed_key, created_at FROM sts_token_keys ORDER BY created_at, id", logger: logger
            ) {
                let (id, sealed, createdAt) = try row.decode((String, ByteBuffer, Int64).self)
                snapshot.tokenKeys.append(TokenKeyRecord(id: id, sealedKey: Array(sealed.readableBytesView), createdAt: createdAt))
            }
            return snapshot
        }
    }

    /// Runs `body` in a transaction; a unique violation (a concurrent create of the same name) is `alreadyExists`.
    private func write(_ body: @escaping @Sendable (PostgresConnection) async throws -> IAMWriteOutcome) async throws
        -> IAMWriteOutcome
    {
        do {
            return try await database.transaction { connection in
                let outcome = try await body(connection)
                if outcome == .done { try await self.bumpGeneration(connection) }
                return outcome
            }
        } catch where PostgresDatabase.sqlState(error) == "23505" {
            return .alreadyExists
        } catch where PostgresDatabase.sqlState(error) == "23503" {
            return .notFound  // the user or policy a row refers to went away meanwhile
        }
    }

    public func iamGeneration() async throws -> Int64 {
        try await database.query { connection in
            try await connection.rows("SELECT value FROM generations WHERE topic = 'iam'", logger: self.database.logger)
                .first?.decode(Int64.self) ?? 0
        }
    }

    private func bumpGeneration(_ connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE generations SET value = value + 1 WHERE topic = 'iam'", logger: database.logger)
    }

    private func exists(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Bool {
        try await !connection.rows(query, logger: database.logger).isEmpty
    }

    public func createUser(_ user: UserRecord) async throws -> IAMWriteOutcome {
        try await write { connection in
            let inserted = try await connection.rows("""
                INSERT INTO iam_users (name, id, display_name, created_at)
                VALUES (\(user.name), \(user.id), \(user.displayName), \(user.createdAt))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: self.database.logger)
            return inserted.isEmpty ? .alreadyExists : .done
        }
    }

    public func deleteUser(_ name: String) async throws -> IAMWriteOutcome {
        try await write { connection in
            let logger = self.database.logger
            guard try await self.exists(connection, "SELECT 1 FROM iam_users WHERE name = \(name) FOR UPDATE") else {
                return .notFound
            }
            try await connection.execute("DELETE FROM iam_access_keys WHERE user_name = \(name)", logger: logger)
            try await connection.execute(
                "DELETE FROM iam_attachments WHERE holder_kind = 'user' AND holder_name = \(name)", logger: logger)
            try await connection.execute("DELETE FROM iam_users WHERE name = \(name)", logger: logger)
            return .done
        }
    }

    public func addAccessKey(_ key: AccessKeyRecord) async throws -> IAMWriteOutcome {
        try await write { connection in
            guard try await self.exists(connection, "SELECT 1 FROM iam_users WHERE name = \(key.userName)") else {
                return .notFound
            }
            let inserted = try await connection.rows("""
                INSERT INTO iam_access_keys (id, user_name, sealed_secret, status, created_at)
                VALUES (\(key.accessKeyId), \(key.userName), \(ByteBuffer(bytes: key.sealedSecret)), \(key.status.rawValue),
                        \(key.createdAt))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: self.database.logger)
            return inserted.isEmpty ? .alreadyExists : .done
        }
    }

    public func setAccessKeyStatus(_ accessKeyId: String, user: String, status: AccessKeyStatus) async throws -> IAMWriteOutcome {
        try await write { connection in
            let changed = try await connection.rows("""
                UPDATE iam_access_keys SET status = \(status.rawValue) WHERE id = \(accessKeyId) AND user_name = \(user)
                RETURNING 1
                """, logger: self.database.logger)
            return changed.isEmpty ? .notFound : .done
        }
    }

    public func deleteAccessKey(_ accessKeyId: String, user: String) async throws -> IAMWriteOutcome {
        try await write { connection in
            let deleted = try await connection.rows(
                "DELETE FROM iam_access_keys WHERE id = \(accessKeyId) AND user_name = \(user) RETURNING 1",
                logger: self.database.logger
            )
            return deleted.isEmpty ? .notFound : .done
        }
    }

    public func createRole(_ role: RoleRecord) async throws -> IAMWriteOutcome {
        try await write { connection in
            let inserted = try await connection.rows("""
                INSERT INTO iam_roles (name_key, name, id, trust_policy, max_session_duration, description, created_at)
                VALUES (\(role.name.lowercased()), \(role.name), \(role.id), \(role.trustPolicy), \(role.maxSessionDuration),
                        \(role.description), \(role.createdAt))
                ON CONFLICT (name_key) DO NOTHING RETURNING 1
                """, logger: self.database.logger)
            return inserted.isEmpty ? .alreadyExists : .done
        }
    }

    public func updateRole(_ role: RoleRecord) async throws -> IAMWriteOutcome {
        try await write { connection in
            let changed = try await connection.rows("""
                UPDATE iam_roles SET trust_policy = \(role.trustPolicy), max_session_duration = \(role.maxSessionDuration),
                                     description = \(role.description)
                WHERE name_key = \(role.name.lowercased()) RETURNING 1
                """, logger: self.database.logger)
            return changed.isEmpty ? .notFound : .done
        }
    }

    public func deleteRole(_ name: String) async throws -> IAMWriteOutcome {
        let key = name.lowercased()
        return try await write { connection in
            let logger = self.database.logger
            let deleted = try await connection.rows(
                "DELETE FROM iam_roles WHERE name_key = \(key) RETURNING 1", logger: logger
            )
            guard !deleted.isEmpty else { return .notFound }
            try await connection.execute(
                "DELETE FROM iam_attachments WHERE holder_kind = 'role' AND holder_name = \(key)", logger: logger)
            return .done
        }
    }

    public func createPolicy(_ policy: PolicyRecord) async throws -> IAMWriteOutcome {
        try await write { connection in
            let inserted = try await connection.rows("""
                INSERT INTO iam_policies (name, document, description, created_at)
                VALUES (\(policy.name), \(policy.document), \(policy.description), \(policy.createdAt))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: self.database.logger)
            return inserted.isEmpty ? .alreadyExists : .done
        }
    }

    public func deletePolicy(_ name: String) async throws -> IAMWriteOutcome {
        try await write { connection in
            guard try await self.exists(connection, "SELECT 1 FROM iam_policies WHERE name = \(name) FOR UPDATE") else {
                return .notFound
            }
            // The row lock makes a concurrent attach (whose foreign key share-locks the policy) wait, then fail.
            if try await self.exists(connection, "SELECT 1 FROM iam_attachments WHERE policy_name = \(name) LIMIT 1") {
                return .inUse
            }
            try await connection.execute("DELETE FROM iam_policies WHERE name = \(name)", logger: self.database.logger)
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
        return try await write { connection in
            guard try await self.exists(connection, "SELECT 1 FROM iam_policies WHERE name = \(policy) FOR SHARE") else {
                return .notFound
            }
            let holderExists = kind == "user"
                ? try await self.exists(connection, "SELECT 1 FROM iam_users WHERE name = \(name) FOR SHARE")
                : try await self.exists(connection, "SELECT 1 FROM iam_roles WHERE name_key = \(name) FOR SHARE")
            guard holderExists else { return .notFound }
            try await connection.execute("""
                INSERT INTO iam_attachments (holder_kind, holder_name, policy_name) VALUES (\(kind), \(name), \(policy))
                ON CONFLICT DO NOTHING
                """, logger: self.database.logger)
            return .done
        }
    }

    public func detach(policy: String, from holder: PolicyHolder) async throws -> IAMWriteOutcome {
        let (kind, name) = Self.holderColumns(holder)
        return try await write { connection in
            let deleted = try await connection.rows("""
                DELETE FROM iam_attachments WHERE holder_kind = \(kind) AND holder_name = \(name) AND policy_name = \(policy)
                RETURNING 1
                """, logger: self.database.logger)
            return deleted.isEmpty ? .notFound : .done
        }
    }

    public func addTokenKey(_ key: TokenKeyRecord) async throws {
        try await database.transaction { connection in
            try await connection.execute("""
                INSERT INTO sts_token_keys (id, sealed_key, created_at)
                VALUES (\(key.id), \(ByteBuffer(bytes: key.sealedKey)), \(key.createdAt))
                """, logger: self.database.logger)
            try await self.bumpGeneration(connection)
        }
    }
}
