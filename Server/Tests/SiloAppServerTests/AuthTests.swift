import Foundation
import GRDB
import HTTPTypes
import NIOConcurrencyHelpers
import Testing

@testable import SiloAppServer

@Suite struct RateLimiterTests {
    @Test func refillsOverTheWindow() {
        let time = NIOLockedValueBox<Double>(0)
        let limiter = RateLimiter(.init(requests: 3, windowSeconds: 60), now: { time.withLockedValue { $0 } })
        #expect(limiter.acquire("a") == nil)
        #expect(limiter.acquire("a") == nil)
        #expect(limiter.acquire("a") == nil)
        #expect(limiter.acquire("a") == 20)  // one token per 20 s
        #expect(limiter.acquire("b") == nil)  // keys are independent
        time.withLockedValue { $0 = 20 }
        #expect(limiter.acquire("a") == nil)
        #expect(limiter.acquire("a") != nil)
    }
}

@Suite struct AppDatabaseTests {
    @Test func commitsAreSyncedToDiskBeforeTheyReturn() async throws {
        let database = try AppDatabase(path: Fixtures.temporaryDirectory() + "/d.sqlite")
        // FULL (2), not the NORMAL (1) GRDB sets for WAL pools, under which a commit waits for no fsync.
        #expect(try await database.writerSynchronousLevel() == 2)
    }
}

@Suite struct AccountTests {
    let clock = NIOLockedValueBox<Int64>(1_000)

    func store() throws -> AccountStore {
        let database = try AppDatabase(path: Fixtures.temporaryDirectory() + "/a.sqlite")
        let clock = self.clock
        return AccountStore(database: database, hasher: Fixtures.hasher, sessionTTLSeconds: 600, clock: { clock.withLockedValue { $0 } })
    }

    @Test func passwordHashes() throws {
        let hash = try Fixtures.hasher.hash("correct horse")
        #expect(hash.hasPrefix("scrypt$16$8$1$"))
        #expect(PasswordHasher.verify("correct horse", against: hash))
        #expect(!PasswordHasher.verify("correct horsE", against: hash))
        #expect(try Fixtures.hasher.hash("correct horse") != hash)  // salted
        #expect(!PasswordHasher.verify("x", against: "scrypt$16$8$1$bad"))
        #expect(!PasswordHasher.verify("x", against: "scrypt$1073741824$8$1$AAAA$AAAA"))  // absurd cost refused
    }

    @Test func registerLoginAndSessions() async throws {
        let accounts = try store()
        _ = try await accounts.register(username: "alice", password: "password-1")
        await #expect(throws: AppFailure.usernameTaken("alice")) { _ = try await accounts.register(username: "alice", password: "password-2") }
        await #expect(throws: AppFailure.wrongCredentials) { _ = try await accounts.login(username: "alice", password: "wrong-password") }
        await #expect(throws: AppFailure.wrongCredentials, "an unknown user fails exactly like a wrong password") { _ = try await accounts.login(username: "nobody", password: "password-1") }
        let session = try await accounts.login(username: "alice", password: "password-1")
        #expect(session.token.hasPrefix(AccountStore.tokenPrefix))
        #expect(try await accounts.user(forSession: session.token) == AppUser(uid: "alice"))
        #expect(try await accounts.user(forSession: session.token + "x") == nil)
        clock.withLockedValue { $0 += 600 }
        #expect(try await accounts.user(forSession: session.token) == nil)  // expired
        let second = try await accounts.login(username: "alice", password: "password-1")
        try await accounts.logout(token: second.token)
        #expect(try await accounts.user(forSession: second.token) == nil)
    }

    @Test(arguments: ["ab", "Alice", "a/b", ".hidden", "x y", String(repeating: "a", count: 33)])
    func refusesBadUsernames(_ username: String) {
        #expect(throws: AppFailure.invalidUsername) { try AccountStore.validate(username: username, password: "long-enough") }
    }

    @Test func refusesShortPasswords() {
        #expect(throws: AppFailure.invalidPassword) { try AccountStore.validate(username: "alice", password: "short") }
    }
}

/// Issue 13, point 8: password guesses against one account are slowed whatever address they come from.
@Suite struct SignInThrottleTests {
    final class Clock: @unchecked Sendable {
        var now = 1000.0
    }

    @Test func failuresAcrossAddressesSlowTheAccountAndSuccessClearsThem() {
        let clock = Clock()
        let throttle = SignInThrottle(now: { clock.now })
        for _ in 0..<5 { #expect(throttle.begin("alice") == nil) }
        // The sixth attempt, from anywhere, waits; so does the right password.
        #expect(throttle.begin("alice") == 1)
        #expect(throttle.begin("ALICE") == 1, "usernames compare case-insensitively")
        #expect(throttle.begin("bob") == nil, "other accounts are not affected")
        clock.now += 1
        #expect(throttle.begin("alice") == nil)
        #expect(throttle.begin("alice") == 2, "each further failure doubles the wait")
        clock.now += 2
        #expect(throttle.begin("alice") == nil)
        throttle.succeeded("alice")
        #expect(throttle.begin("alice") == nil)
    }

    /// A check slower than the wait (scrypt on a loaded server) must not use the wait up.
    @Test func theWaitStartsWhenTheFailedCheckEnds() {
        let clock = Clock()
        let throttle = SignInThrottle(now: { clock.now })
        for _ in 0..<5 {
            #expect(throttle.begin("alice") == nil)
            clock.now += 4
            throttle.failed("alice")
        }
        clock.now += 0.5
        #expect(throttle.begin("alice") == 1)
    }

    @Test func theWaitIsCappedAndOldFailuresAreForgotten() {
        let clock = Clock()
        let throttle = SignInThrottle(now: { clock.now })
        for _ in 0..<40 {
            if let wait = throttle.begin("alice") { clock.now += Double(wait) }
            _ = throttle.begin("alice")
        }
        #expect((throttle.begin("alice") ?? 0) <= 900, "never more than 15 minutes")
        clock.now += 86_401
        #expect(throttle.begin("alice") == nil)
    }
}

@Suite struct PasswordRehashTests {
    @Test func weakerHashesNeedARehash() throws {
        let strong = PasswordHasher(rounds: 1 << 5, blockSize: 8, parallelism: 1)
        let weak = PasswordHasher(rounds: 1 << 4, blockSize: 8, parallelism: 1)
        #expect(strong.needsRehash(try weak.hash("pw")))
        #expect(!strong.needsRehash(try strong.hash("pw")))
        #expect(strong.needsRehash("garbage"))
        #expect(PasswordHasher.standard.rounds == 1 << 17 && PasswordHasher.standard.blockSize == 8)
    }

    @Test func signInUpgradesAnOldHash() async throws {
        let database = try AppDatabase(path: Fixtures.temporaryDirectory() + "/a.sqlite")
        let weak = PasswordHasher(rounds: 1 << 4, blockSize: 8, parallelism: 1)
        let strong = PasswordHasher(rounds: 1 << 5, blockSize: 8, parallelism: 1)
        _ = try await AccountStore(database: database, hasher: weak, sessionTTLSeconds: 60)
            .register(username: "carol", password: "password-1")
        let upgraded = AccountStore(database: database, hasher: strong, sessionTTLSeconds: 60)
        _ = try await upgraded.login(username: "carol", password: "password-1")
        let stored = try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM accounts WHERE uid = 'carol'")
        }
        #expect(stored?.hasPrefix("scrypt$32$8$1$") == true)
        _ = try await upgraded.login(username: "carol", password: "password-1")
    }
}

@Suite struct BearerTokenTests {
    private func bearer(_ header: String?, query: [String: String] = [:]) -> String? {
        var fields = HTTPFields()
        if let header { fields[.authorization] = header }
        return AppAuthenticator.bearer(headers: fields, query: query)
    }

    @Test func readsTheTokenAfterTheSchemeInAnyCase() {
        #expect(bearer("Bearer silo_s_abc") == "silo_s_abc")
        #expect(bearer("bEaReR silo_s_abc") == "silo_s_abc")
        #expect(bearer("Bearer \t silo_s_abc \t") == "silo_s_abc")
    }

    @Test func refusesOtherSchemesAndEmptyTokens() {
        for header in ["Basic YWxpY2U6cHc=", "Bearer", "Bearer ", "Bearer \t ", "Bearerx abc", "Beare abc", ""] {
            #expect(bearer(header) == nil, "\(header)")
        }
    }

    @Test func theQueryIsUsedOnlyWithoutAHeader() {
        #expect(bearer(nil, query: ["access_token": "silo_s_q"]) == "silo_s_q")
        #expect(bearer(nil, query: ["access_token": ""]) == nil)
        #expect(bearer("Basic x", query: ["access_token": "silo_s_q"]) == nil)
    }
}
