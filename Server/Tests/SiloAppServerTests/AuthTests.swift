import Foundation
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
        await #expect(throws: AppServerError.self) { _ = try await accounts.register(username: "alice", password: "password-2") }
        await #expect(throws: AppServerError.self) { _ = try await accounts.login(username: "alice", password: "wrong-password") }
        await #expect(throws: AppServerError.self) { _ = try await accounts.login(username: "nobody", password: "password-1") }
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
        #expect(throws: AppServerError.self) { try AccountStore.validate(username: username, password: "long-enough") }
    }

    @Test func refusesShortPasswords() {
        #expect(throws: AppServerError.self) { try AccountStore.validate(username: "alice", password: "short") }
    }
}
