import Crypto
import Foundation
import SiloCore
@testable import SiloIAM
import SiloMetadataSQLite
import SiloPolicy
import SiloStorage
import Testing

final class IAMFixture: @unchecked Sendable {
    static let account = "1234567890123456"
    let directory: String
    let store: SQLiteMetadataStore
    let iam: IAMService
    let masterKey = SymmetricKey(size: .bits256)
    let now: NowBox

    final class NowBox: @unchecked Sendable {
        var value: Int64 = 1_800_000_000
    }

    init(settings: STSSettings = STSSettings()) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-iam-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteMetadataStore(path: directory + "/m.sqlite")
        let now = NowBox()
        self.now = now
        iam = IAMService(store: store, accountId: Self.account, rootAccessKeyId: "LTAIroot", rootSecret: "rootsecret",
                         masterKey: masterKey, settings: settings, clock: { now.value })
        try await iam.bootstrap()
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static let trustAccount = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}"#
    static let writePrefix = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject"],"Resource":["acs:oss:*:*:b/user1/*"]}]}"#
    static let allOSS = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#

    func roleWithPolicy() async throws {
        _ = try await iam.createRole(name: "app-role", trustPolicy: Self.trustAccount, maxSessionDuration: 7200, description: nil)
        _ = try await iam.createPolicy(name: "all-oss", document: Self.allOSS, description: nil)
        try await iam.attach(policy: "all-oss", to: .role("app-role"))
    }

    func assume(_ request: AssumeRoleRequest, as caller: Principal = .root(accessKeyId: "LTAIroot")) async throws -> AssumedRole {
        try await iam.assumeRole(caller: caller, request, sourceIp: nil)
    }
}

@Suite struct IAMServiceTests {
    @Test func usersKeysAndResolution() async throws {
        let fixture = try await IAMFixture()
        let user = try await fixture.iam.createUser(name: "alice", displayName: nil)
        let (key, secret) = try await fixture.iam.createAccessKey(user: "alice")
        let resolved = try await fixture.iam.resolve(accessKeyId: key.accessKeyId, securityToken: nil)
        #expect(resolved.secret == secret)
        #expect(resolved.principal == .user(name: "alice", id: user.id, accessKeyId: key.accessKeyId))
        // Secrets are stored sealed, never in the clear.
        let stored = try await fixture.store.iamSnapshot().accessKeys[key.accessKeyId]!
        #expect(!String(decoding: stored.sealedSecret, as: UTF8.self).contains(secret))
        try await fixture.iam.setAccessKeyStatus(user: "alice", accessKeyId: key.accessKeyId, status: .inactive)
        await #expect(throws: CredentialError.invalidAccessKeyId(key.accessKeyId)) { try await fixture.iam.resolve(accessKeyId: key.accessKeyId, securityToken: nil) }
        await #expect(throws: IAMError.alreadyExists("User", "alice")) { try await fixture.iam.createUser(name: "alice", displayName: nil) }
        await #expect(throws: IAMError.self) { try await fixture.iam.createUser(name: "bad name!", displayName: nil) }
        try await fixture.iam.deleteUser("alice")
        await #expect(throws: CredentialError.invalidAccessKeyId(key.accessKeyId)) { try await fixture.iam.resolve(accessKeyId: key.accessKeyId, securityToken: nil) }
        let root = try await fixture.iam.resolve(accessKeyId: "LTAIroot", securityToken: nil)
        #expect(root.principal == .root(accessKeyId: "LTAIroot"))
    }

    @Test func policiesAttachDetachAndGovern() async throws {
        let fixture = try await IAMFixture()
        _ = try await fixture.iam.createUser(name: "bob", displayName: "Bob")
        _ = try await fixture.iam.createPolicy(name: "w", document: IAMFixture.writePrefix, description: "writes")
        try await fixture.iam.attach(policy: "w", to: .user("bob"))
        let bob = try await fixture.iam.resolve(accessKeyId: try await fixture.iam.createAccessKey(user: "bob").0.accessKeyId,
                                                securityToken: nil).principal
        #expect(try await fixture.iam.decide(bob, action: "oss:PutObject", resource: "acs:oss:*:1:b/user1/x").allowed)
        #expect(!(try await fixture.iam.decide(bob, action: "oss:DeleteObject", resource: "acs:oss:*:1:b/user1/x").allowed))
        await #expect(throws: IAMError.self) { try await fixture.iam.deletePolicy("w") }
        try await fixture.iam.detach(policy: "w", from: .user("bob"))
        try await fixture.iam.deletePolicy("w")
        await #expect(throws: IAMError.self) {
            try await fixture.iam.createPolicy(name: "bad", document: #"{"Version":"1","Statement":[{"Effect":"Allow"}]}"#, description: nil)
        }
    }

    @Test func assumeRoleMintsASelfContainedSession() async throws {
        let fixture = try await IAMFixture()
        try await fixture.roleWithPolicy()
        let assumed = try await fixture.assume(AssumeRoleRequest(
            roleArn: "acs:ram::\(IAMFixture.account):role/app-role", roleSessionName: "session1",
            policy: IAMFixture.writePrefix, durationSeconds: 1800))
        #expect(assumed.accessKeyId.hasPrefix("STS."))
        #expect(assumed.expiration == fixture.now.value + 1800)
        #expect(assumed.arn == "acs:ram::\(IAMFixture.account):role/app-role/session1")
        let resolved = try await fixture.iam.resolve(accessKeyId: assumed.accessKeyId, securityToken: assumed.securityToken)
        #expect(resolved.secret == assumed.accessKeySecret)
        guard case .roleSession(let session) = resolved.principal else { Issue.record("not a session"); return }
        #expect(session.roleName == "app-role" && session.sessionName == "session1")
        // Role policies allow everything, the session only its prefix.
        #expect(try await fixture.iam.decide(resolved.principal, action: "oss:PutObject", resource: "acs:oss:*:1:b/user1/a").allowed)
        #expect(!(try await fixture.iam.decide(resolved.principal, action: "oss:PutObject", resource: "acs:oss:*:1:b/user2/a").allowed))
        #expect(!(try await fixture.iam.decide(resolved.principal, action: "oss:DeleteObject", resource: "acs:oss:*:1:b/user1/a").allowed))
    }

    @Test func tokensResistTamperingSwappingAndExpiry() async throws {
        let fixture = try await IAMFixture()
        try await fixture.roleWithPolicy()
        let arn = "acs:ram::\(IAMFixture.account):role/app-role"
        let one = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "one", durationSeconds: 900))
        let two = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "two", durationSeconds: 900))
        // Every single-character change of the token is refused.
        let characters = Array(one.securityToken)
        for index in characters.indices {
            var changed = characters
            changed[index] = changed[index] == "A" ? "B" : "A"
            await #expect(throws: CredentialError.invalidSecurityToken) {
                try await fixture.iam.resolve(accessKeyId: one.accessKeyId, securityToken: String(changed))
            }
        }
        await #expect(throws: CredentialError.keyAndTokenMismatch) {
            try await fixture.iam.resolve(accessKeyId: one.accessKeyId, securityToken: two.securityToken)
        }
        await #expect(throws: CredentialError.keyAndTokenMismatch) {
            try await fixture.iam.resolve(accessKeyId: "LTAIroot", securityToken: one.securityToken)
        }
        await #expect(throws: CredentialError.invalidSecurityToken) {
            try await fixture.iam.resolve(accessKeyId: one.accessKeyId, securityToken: nil)
        }
        fixture.now.value += 901
        await #expect(throws: CredentialError.securityTokenExpired) {
            try await fixture.iam.resolve(accessKeyId: one.accessKeyId, securityToken: one.securityToken)
        }
    }

    /// Issue 13, point 7: a token is bound to its role's id, not to the role's name.
    @Test func aReCreatedRoleDoesNotReviveOldSessions() async throws {
        let fixture = try await IAMFixture()
        try await fixture.roleWithPolicy()
        let arn = "acs:ram::\(IAMFixture.account):role/app-role"
        let old = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "old", durationSeconds: 900))
        _ = try await fixture.iam.resolve(accessKeyId: old.accessKeyId, securityToken: old.securityToken)
        try await fixture.iam.detach(policy: "all-oss", from: .role("app-role"))
        try await fixture.iam.deleteRole("app-role")
        await #expect(throws: CredentialError.invalidSecurityToken) {
            try await fixture.iam.resolve(accessKeyId: old.accessKeyId, securityToken: old.securityToken)
        }
        _ = try await fixture.iam.createRole(name: "app-role", trustPolicy: IAMFixture.trustAccount, maxSessionDuration: 7200,
                                             description: nil)
        try await fixture.iam.attach(policy: "all-oss", to: .role("app-role"))
        await #expect(throws: CredentialError.invalidSecurityToken) {
            try await fixture.iam.resolve(accessKeyId: old.accessKeyId, securityToken: old.securityToken)
        }
        let fresh = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "new", durationSeconds: 900))
        _ = try await fixture.iam.resolve(accessKeyId: fresh.accessKeyId, securityToken: fresh.securityToken)
    }

    @Test func rotationKeepsOlderTokensValidAndForeignKeysFail() async throws {
        let fixture = try await IAMFixture()
        try await fixture.roleWithPolicy()
        let arn = "acs:ram::\(IAMFixture.account):role/app-role"
        let before = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "before"))
        _ = try await fixture.iam.rotateTokenKey()
        let after = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "after"))
        #expect(before.securityToken.prefix(20) != after.securityToken.prefix(20), "a new key id heads new tokens")
        _ = try await fixture.iam.resolve(accessKeyId: before.accessKeyId, securityToken: before.securityToken)
        _ = try await fixture.iam.resolve(accessKeyId: after.accessKeyId, securityToken: after.securityToken)
        // Another deployment's token (other keys) is foreign here.
        let other = try await IAMFixture()
        try await other.roleWithPolicy()
        let foreign = try await other.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "xx"))
        await #expect(throws: CredentialError.invalidSecurityToken) {
            try await fixture.iam.resolve(accessKeyId: foreign.accessKeyId, securityToken: foreign.securityToken)
        }
    }

    @Test func assumeRoleValidation() async throws {
        var settings = STSSettings()
        settings.minimumDuration = 900
        let fixture = try await IAMFixture(settings: settings)
        try await fixture.roleWithPolicy()
        let arn = "acs:ram::\(IAMFixture.account):role/app-role"
        let cases: [(AssumeRoleRequest, String)] = [
            (AssumeRoleRequest(roleArn: "app-role", roleSessionName: "s1"), "InvalidParameter.RoleArn"),
            (AssumeRoleRequest(roleArn: arn, roleSessionName: "x"), "InvalidParameter.RoleSessionName"),
            (AssumeRoleRequest(roleArn: arn, roleSessionName: "has space"), "InvalidParameter.RoleSessionName"),
            (AssumeRoleRequest(roleArn: arn, roleSessionName: "s1", durationSeconds: 899), "InvalidParameter.DurationSeconds"),
            (AssumeRoleRequest(roleArn: arn, roleSessionName: "s1", durationSeconds: 7201), "InvalidParameter.DurationSeconds"),
            (AssumeRoleRequest(roleArn: arn, roleSessionName: "s1", policy: "{not json"), "InvalidParameter.PolicyGrammar"),
            (AssumeRoleRequest(roleArn: arn, roleSessionName: "s1",
                               policy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":""#
                                   + String(repeating: "x", count: 2100) + #""}]}"#), "InvalidParameter.PolicySize"),
            (AssumeRoleRequest(roleArn: "acs:ram::\(IAMFixture.account):role/missing", roleSessionName: "s1"), "EntityNotExist.Role"),
            (AssumeRoleRequest(roleArn: "acs:ram::999:role/app-role", roleSessionName: "s1"), "EntityNotExist.Role"),
        ]
        for (request, code) in cases {
            do {
                _ = try await fixture.assume(request)
                Issue.record("\(code) expected")
            } catch let error as IAMError {
                #expect(error.code == code)
            }
        }
        _ = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "ok.name@x-1", durationSeconds: 7200))
    }

    @Test func callersNeedPermissionAndTrust() async throws {
        let fixture = try await IAMFixture()
        try await fixture.roleWithPolicy()
        let arn = "acs:ram::\(IAMFixture.account):role/app-role"
        _ = try await fixture.iam.createUser(name: "app-server", displayName: nil)
        let key = try await fixture.iam.createAccessKey(user: "app-server").0
        let caller = try await fixture.iam.resolve(accessKeyId: key.accessKeyId, securityToken: nil).principal
        await #expect(throws: IAMError.self) { try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "s1"), as: caller) }
        _ = try await fixture.iam.createPolicy(name: "assume", document: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram::*:role/app-role"}]}"#, description: nil)
        try await fixture.iam.attach(policy: "assume", to: .user("app-server"))
        _ = try await fixture.assume(AssumeRoleRequest(roleArn: arn, roleSessionName: "s1"), as: caller)
        // A role that trusts only another user, and one that requires an ExternalId.
        _ = try await fixture.iam.createRole(name: "narrow", trustPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:user/someone-else"]}}]}"#, maxSessionDuration: nil, description: nil)
        _ = try await fixture.iam.createPolicy(name: "assume-any", document: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#, description: nil)
        try await fixture.iam.attach(policy: "assume-any", to: .user("app-server"))
        do {
            _ = try await fixture.assume(AssumeRoleRequest(roleArn: "acs:ram::\(IAMFixture.account):role/narrow", roleSessionName: "s1"), as: caller)
            Issue.record("untrusted caller assumed the role")
        } catch let error as IAMError {
            #expect(error.code == "NoPermission" && error.message.contains("trust policy"))
        }
        // Trusting the caller afterwards (RAM's UpdateRole) lets it in; a trust policy without a Principal is refused.
        let narrowArn = "acs:ram::\(IAMFixture.account):role/narrow"
        await #expect(throws: IAMError.self) {
            _ = try await fixture.iam.updateRole(name: "narrow", trustPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#,
                                                 maxSessionDuration: nil, description: nil)
        }
        await #expect(throws: IAMError.self) {
            _ = try await fixture.iam.updateRole(name: "narrow", trustPolicy: nil, maxSessionDuration: 60, description: nil)
        }
        let updated = try await fixture.iam.updateRole(
            name: "narrow", trustPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:user/app-server"]}}]}"#,
            maxSessionDuration: 7200, description: "now the app server's")
        #expect(updated.maxSessionDuration == 7200 && updated.description == "now the app server's")
        _ = try await fixture.assume(AssumeRoleRequest(roleArn: narrowArn, roleSessionName: "s1"), as: caller)
        await #expect(throws: IAMError.self) {
            _ = try await fixture.iam.updateRole(name: "missing", trustPolicy: nil, maxSessionDuration: nil, description: "x")
        }
        _ = try await fixture.iam.createRole(name: "external", trustPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]},"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}]}"#, maxSessionDuration: nil, description: nil)
        let externalArn = "acs:ram::\(IAMFixture.account):role/external"
        await #expect(throws: IAMError.self) { try await fixture.assume(AssumeRoleRequest(roleArn: externalArn, roleSessionName: "s1"), as: caller) }
        _ = try await fixture.assume(AssumeRoleRequest(roleArn: externalArn, roleSessionName: "s1", externalId: "abc"), as: caller)
    }

    @Test func stateSurvivesARestartWithTheSameMasterKey() async throws {
        let fixture = try await IAMFixture()
        try await fixture.roleWithPolicy()
        let assumed = try await fixture.assume(AssumeRoleRequest(roleArn: "acs:ram::\(IAMFixture.account):role/app-role", roleSessionName: "s1"))
        let reopened = IAMService(store: fixture.store, accountId: IAMFixture.account, rootAccessKeyId: "LTAIroot",
                                  rootSecret: "rootsecret", masterKey: fixture.masterKey, clock: { fixture.now.value })
        try await reopened.bootstrap()
        _ = try await reopened.resolve(accessKeyId: assumed.accessKeyId, securityToken: assumed.securityToken)
        let wrongKey = IAMService(store: fixture.store, accountId: IAMFixture.account, rootAccessKeyId: "LTAIroot",
                                  rootSecret: "rootsecret", masterKey: SymmetricKey(size: .bits256), clock: { fixture.now.value })
        await #expect(throws: IAMError.self) { try await wrongKey.bootstrap() }
    }
}

@Suite struct RoleArnParsingTests {
    @Test func splitsAtTheFirstRoleMarkerAfterANonEmptyAccount() {
        #expect(IAMService.accountAndRole(of: "acs:ram::123:role/app-role")! == ("123", "app-role"))
        #expect(IAMService.accountAndRole(of: "acs:ram::1:role/a:role/b")! == ("1", "a:role/b"))
        #expect(IAMService.accountAndRole(of: "acs:ram::123:role/")! == ("123", ""))
        for arn in ["app-role", "acs:ram::", "acs:ram:::role/x", "acs:ram::role/a:role/b", "acs:ram::123", "ACS:RAM::1:role/x",
                    "acs:ram:123:role/x", "x"] {
            #expect(IAMService.accountAndRole(of: arn) == nil, "\(arn)")
        }
    }

    @Test func sessionNamesAreASCIILettersDigitsAndFourMarks() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.@_-".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(IAMService.isSessionNameByte(byte) == allowed.contains(byte), "\(byte)")
        }
    }
}
