import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SiloClient
import SiloClientAHC
import SiloHTTP
import SiloIAM
import SiloMetadataSQLite
import Testing

/// The in-process STS the embedded app server calls must decide exactly as the HTTP API does: each case is asked
/// of both, over a real socket with the SDK's STS client and in-process, and the answers must agree.
@Suite struct EmbeddedSTSTests {
    static let account = "1234567890123456"
    static let roleArn = "acs:ram::\(account):role/app-role"
    static let onePrefix = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:demo/users/alice/*"}]}"#

    final class World: Sendable {
        let directory: String
        let iam: IAMService
        let key: String
        let secret: String
        let outsiderKey: String
        let outsiderSecret: String

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-ests-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let store = try SQLiteMetadataStore(path: directory + "/m.sqlite")
            let iam = IAMService(store: store, accountId: EmbeddedSTSTests.account, rootAccessKeyId: "LTAIroot",
                             rootSecret: "rootsecret", masterKey: SymmetricKey(size: .bits256))
            self.iam = iam
            try await iam.bootstrap()
            let assume = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram::*:role/*"}]}"#
            _ = try await iam.createPolicy(name: "assume", document: assume, description: nil)
            _ = try await iam.createUser(name: "app-server", displayName: nil)
            try await iam.attach(policy: "assume", to: .user("app-server"))
            let made = try await iam.createAccessKey(user: "app-server")
            (key, secret) = (made.0.accessKeyId, made.secret)
            // Allowed by its own policy to assume any role, but no role's trust policy names it.
            _ = try await iam.createUser(name: "outsider", displayName: nil)
            try await iam.attach(policy: "assume", to: .user("outsider"))
            let outsider = try await iam.createAccessKey(user: "outsider")
            (outsiderKey, outsiderSecret) = (outsider.0.accessKeyId, outsider.secret)
            // Trusts the app server only from this host, so acs:SourceIp must reach the trust policy both ways.
            let trust = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::\#(EmbeddedSTSTests.account):user/app-server"]},"Condition":{"IpAddress":{"acs:SourceIp":"127.0.0.1"}}}]}"#
            _ = try await iam.createRole(name: "app-role", trustPolicy: trust, maxSessionDuration: 3600, description: nil)
            let remote = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::\#(EmbeddedSTSTests.account):user/app-server"]},"Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}"#
            _ = try await iam.createRole(name: "remote-only", trustPolicy: remote, maxSessionDuration: 3600, description: nil)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var roleArn = EmbeddedSTSTests.roleArn
        var sessionName = "alice"
        var policy: String? = EmbeddedSTSTests.onePrefix
        var duration = 900
        var useOutsider = false
        var wrongSecret = false
        var allowed = false
    }

    static let cases: [Case] = [
        Case(description: "allowed", allowed: true),
        Case(description: "no session policy", policy: nil, allowed: true),
        Case(description: "a session policy that is not a policy", policy: #"{"Version":"1","Statement":[{"Effect":"Allow"}]}"#),
        Case(description: "a session policy over the size limit",
             policy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:demo/"# + String(repeating: "a", count: 2100) + #""}]}"#),
        Case(description: "too short", duration: 100),
        Case(description: "longer than the role allows", duration: 7200),
        Case(description: "a wrongly formed session name", sessionName: "a b"),
        Case(description: "a role that does not exist", roleArn: "acs:ram::\(account):role/nobody"),
        Case(description: "a role of another account", roleArn: "acs:ram::999:role/app-role"),
        Case(description: "a wrongly formed role ARN", roleArn: "app-role"),
        Case(description: "a trust policy that wants another address", roleArn: "acs:ram::\(account):role/remote-only"),
        Case(description: "a caller the role does not trust", useOutsider: true),
        Case(description: "the wrong secret", wrongSecret: true),
    ]

    /// The HTTP answer: nil for success, else STS's error code.
    static func overHTTP(_ world: World, _ test: Case, port: Int, transport: AsyncHTTPClientTransport) async -> String? {
        let key = test.useOutsider ? world.outsiderKey : world.key
        let secret = test.wrongSecret ? "not-the-secret" : test.useOutsider ? world.outsiderSecret : world.secret
        let sts = STSClient(endpoint: URL(string: "http://127.0.0.1:\(port)")!, accessKeyId: key, accessKeySecret: secret,
                            transport: transport)
        do {
            _ = try await sts.assumeRole(roleArn: test.roleArn, sessionName: test.sessionName, policy: test.policy,
                                         durationSeconds: test.duration)
            return nil
        } catch let OSSClientError.server(_, code, _, _, _) {
            return code
        } catch {
            return "unexpected: \(error)"
        }
    }

    static func inProcess(_ world: World, _ test: Case) async -> (AssumedRole?, String?) {
        let key = test.useOutsider ? world.outsiderKey : world.key
        let secret = test.wrongSecret ? "not-the-secret" : test.useOutsider ? world.outsiderSecret : world.secret
        let sts = EmbeddedSTS(iam: world.iam, accessKeyId: key, accessKeySecret: secret)
        do {
            return (try await sts.assumeRole(roleArn: test.roleArn, sessionName: test.sessionName, policy: test.policy,
                                             durationSeconds: Int64(test.duration)), nil)
        } catch {
            return (nil, error.code)
        }
    }

    static func withSTS(_ world: World, _ body: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "silo-test")
        logger.logLevel = .warning
        let app = try SiloApplication.makeSTS(iam: world.iam, clock: { Int64(Date().timeIntervalSince1970) },
                                              host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in
            guard let port = client.port else { throw Fixture.TestFailure("no port") }
            try await body(port)
        }
    }

    @Test func everyCaseIsDecidedAsOverHTTP() async throws {
        let world = try await World()
        try await Self.withSTS(world) { port in
            let transport = AsyncHTTPClientTransport()
            for test in Self.cases {
                let http = await Self.overHTTP(world, test, port: port, transport: transport)
                let (assumed, code) = await Self.inProcess(world, test)
                #expect(code == http, "\(test): in process \(code ?? "issued"), over HTTP \(http ?? "issued")")
                #expect((http == nil) == test.allowed, "\(test): over HTTP \(http ?? "issued")")
                if test.allowed, test.policy != nil {
                    // The token is the role's, named for the session, narrowed by the policy given.
                    let token = try #require(assumed)
                    let (claims, policy) = try await world.iam.session(token: token.securityToken)
                    #expect(claims.roleName == "app-role" && claims.sessionName == "alice")
                    #expect(claims.sessionPolicy == Self.onePrefix && policy != nil)
                    #expect(claims.expiration - claims.issuedAt == 900)
                    #expect(token.arn == Self.roleArn + "/alice")
                }
            }
            try await transport.shutdown()
        }
    }

    @Test func aDisabledOrDeletedKeyStopsTheVendingAtOnce() async throws {
        let world = try await World()
        let sts = EmbeddedSTS(iam: world.iam, accessKeyId: world.key, accessKeySecret: world.secret)
        _ = try await sts.assumeRole(roleArn: Self.roleArn, sessionName: "alice", policy: nil, durationSeconds: 900)
        try await world.iam.setAccessKeyStatus(user: "app-server", accessKeyId: world.key, status: .inactive)
        try await Self.withSTS(world) { port in
            let transport = AsyncHTTPClientTransport()
            let http = await Self.overHTTP(world, Case(description: "disabled"), port: port, transport: transport)
            try await transport.shutdown()
            #expect(http == "InvalidAccessKeyId.NotFound")
        }
        let refusal = await #expect(throws: EmbeddedSTS.Refusal.self) {
            _ = try await sts.assumeRole(roleArn: Self.roleArn, sessionName: "alice", policy: nil, durationSeconds: 900)
        }
        #expect(refusal?.code == "InvalidAccessKeyId.NotFound" && refusal?.status == 404)
        try await world.iam.deleteAccessKey(user: "app-server", accessKeyId: world.key)
        await #expect(throws: EmbeddedSTS.Refusal.self) {
            _ = try await sts.assumeRole(roleArn: Self.roleArn, sessionName: "alice", policy: nil, durationSeconds: 900)
        }
    }
}
