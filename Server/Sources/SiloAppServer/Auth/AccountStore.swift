import Crypto
import Foundation
import GRDB
import NIOConcurrencyHelpers
import NIOPosix
import SiloCore

/// Built-in accounts for the demo and small apps: registration, password login, and opaque session tokens.
public struct AccountStore: Sendable {
    public static let tokenPrefix = "silo_s_"
    let database: AppDatabase
    let hasher: PasswordHasher
    let sessionTTL: Int64
    let clock: @Sendable () -> Int64

    public init(database: AppDatabase, hasher: PasswordHasher = .standard, sessionTTLSeconds: Int,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.database = database
        self.hasher = hasher
        self.sessionTTL = Int64(sessionTTLSeconds)
        self.clock = clock
    }

    public struct Session: Sendable, Hashable {
        public let token: String
        public let uid: String
        public let expiresAt: Int64
    }

    /// Usernames become uids and key prefixes: 3–32 lowercase letters, digits, `.`, `_`, `-`.
    public static func validate(username: String, password: String) throws(AppFailure) {
        let allowed = username.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
        guard (3...32).contains(username.utf8.count), allowed, AppUser.isValidUID(username), username.first != "." else {
            throw .invalidUsername
        }
        guard (8...1024).contains(password.utf8.count) else {
            throw .invalidPassword
        }
    }

    public func register(username: String, password: String) async throws -> AppUser {
        try Self.validate(username: username, password: password)
        let hasher = self.hasher
        // scrypt takes tens of milliseconds of CPU: off the cooperative pool, so token requests never wait on it.
        let hash = try await NIOThreadPool.singleton.runIfActive { try hasher.hash(password) }
        let now = clock()
        let inserted = try await database.pool.write { db -> Bool in
            try db.execute(sql: "INSERT OR IGNORE INTO accounts (uid, password_hash, created_at) VALUES (?, ?, ?)",
                           arguments: [username, hash, now])
            return db.changesCount == 1
        }
        guard inserted else { throw AppFailure.usernameTaken(username) }
        return AppUser(uid: username)
    }

    /// A new session for the right password; the same answer for an unknown user and a wrong password.
    public func login(username: String, password: String) async throws -> Session {
        let stored = try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM accounts WHERE uid = ?", arguments: [username])
        }
        // Hash even for unknown users so timing does not reveal which usernames exist.
        let valid = try await NIOThreadPool.singleton.runIfActive {
            PasswordHasher.verify(password, against: stored ?? decoyHash)
        }
        guard let stored, valid else {
            throw AppFailure.wrongCredentials
        }
        // Hashes made under older, cheaper parameters are upgraded the first time the password is known.
        if hasher.needsRehash(stored) {
            let hasher = self.hasher
            let upgraded = try await NIOThreadPool.singleton.runIfActive { try hasher.hash(password) }
            try await database.pool.write { db in
                try db.execute(sql: "UPDATE accounts SET password_hash = ? WHERE uid = ? AND password_hash = ?",
                               arguments: [upgraded, username, stored])
            }
        }
        let token = Self.tokenPrefix + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        let expiresAt = clock() + sessionTTL
        let now = clock()
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [now])
            try db.execute(sql: "INSERT INTO sessions (token_hash, uid, expires_at) VALUES (?, ?, ?)",
                           arguments: [Self.digest(token), username, expiresAt])
        }
        return Session(token: token, uid: username, expiresAt: expiresAt)
    }

    /// The user of a live session token, or nil.
    public func user(forSession token: String) async throws -> AppUser? {
        guard token.hasPrefix(Self.tokenPrefix), token.utf8.count < 200 else { return nil }
        let now = clock()
        let uid = try readInline { db in
            // Cached per connection: parsing and authorizing the SQL cost more than the lookup itself.
            let statement = try db.cachedStatement(sql: "SELECT uid FROM sessions WHERE token_hash = ? AND expires_at > ?")
            return try String.fetchOne(statement, arguments: [Self.digest(token), now])
        }
        return uid.map(AppUser.init(uid:))
    }

    /// GRDB's synchronous read, on the calling thread: every token request looks its session up, and a point
    /// read from the page cache costs less than the two thread hops of an async read.
    private func readInline<T>(_ body: (Database) throws -> T) throws -> T {
        try database.pool.unsafeRead(body)
    }

    public func logout(token: String) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [Self.digest(token)])
        }
    }

    static func digest(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }

    /// Makes the decoy hash in the background at start, so the first sign-in of an unknown user costs one
    /// scrypt like any other, not two.
    public func prepareDecoy() {
        let hasher = self.hasher
        Task.detached {
            _ = try? await NIOThreadPool.singleton.runIfActive { DecoyHashes.shared.hash(for: hasher) }
        }
    }

    /// Unknown usernames are checked against this, at the configured cost, so they take as long as real ones.
    var decoyHash: String { DecoyHashes.shared.hash(for: hasher) }
}


/// One decoy hash per cost, made on first use rather than at load (a 128 MiB scrypt is not free).
final class DecoyHashes: Sendable {
    static let shared = DecoyHashes()
    private let hashes = NIOLockedValueBox<[String: String]>([:])

    func hash(for hasher: PasswordHasher) -> String {
        let id = "\(hasher.rounds)$\(hasher.blockSize)$\(hasher.parallelism)"
        if let hash = hashes.withLockedValue({ $0[id] }) { return hash }
        let hash = (try? hasher.hash("decoy-password-never-matches")) ?? ""
        hashes.withLockedValue { $0[id] = hash }
        return hash
    }
}
