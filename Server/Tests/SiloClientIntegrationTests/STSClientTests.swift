import Foundation
import SiloClient
import SiloCore
import Testing

/// The SDK's STS client against Silo's STS: what an application server does to mint a user's token.
@Suite(.serialized) struct STSClientTests {
    @Test func assumeRoleWithASessionPolicyScopesTheToken() async throws {
        try await SiloServerProcess.with { server in
            try await server.client(.v4).bucket("app").create()
            let arn = try await AuthServerRefreshTests.role(server)
            let transport = PlainHTTP.transport()
            let sts = STSClient(endpoint: server.stsEndpoint, accessKeyId: SiloServerProcess.accessKeyId,
                                accessKeySecret: SiloServerProcess.accessKeySecret, transport: transport)
            let policy = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject"],"Resource":["acs:oss:*:*:app/users/42/photos/*"]}]}"#
            let role = try await sts.assumeRole(roleArn: arn, sessionName: "alice@example", policy: policy,
                                                durationSeconds: 900)
            #expect(role.credentials.accessKeyId.hasPrefix("STS."))
            #expect(role.arn == arn + "/alice@example")
            #expect(role.expiration.count == 20 && role.expiration.hasSuffix("Z"), "yyyy-MM-ddTHH:mm:ssZ, no fraction")
            let expiresIn = role.credentials.expiration!.timeIntervalSinceNow
            #expect(expiresIn > 850 && expiresIn <= 900)

            let session = server.client(.v4, credentials: STSCredentialsProvider(
                accessKeyId: role.credentials.accessKeyId, accessKeySecret: role.credentials.accessKeySecret,
                securityToken: role.credentials.securityToken!)).bucket("app")
            _ = try await session.put("users/42/photos/cat.jpg", data: Data("meow".utf8))
            #expect(try await session.get("users/42/photos/cat.jpg") == Data("meow".utf8))
            // The role allows users/42/*, the session policy only users/42/photos/*: the intersection rules.
            do {
                _ = try await session.put("users/42/notes.txt", data: Data("x".utf8))
                Issue.record("the session policy was not applied")
            } catch let error as OSSClientError {
                #expect(error.code == "AccessDenied")
            }

            // A provider that assumes the role and renews it is what a server process signs with.
            let renewing = RefreshingCredentialsProvider.assumingRole(sts, roleArn: arn, sessionName: "batch-job",
                                                                      durationSeconds: 900)
            let worker = server.client(.v1, credentials: renewing).bucket("app")
            _ = try await worker.put("users/42/report.csv", data: Data("a,b".utf8))

            do {
                _ = try await sts.assumeRole(roleArn: "acs:ram::1:role/nobody", sessionName: "x1")
                Issue.record("an unknown role was assumed")
            } catch let error as OSSClientError {
                guard case .server(let status, let code, _, let requestId, _) = error else { throw error }
                #expect(status >= 400 && !code.isEmpty && !requestId.isEmpty, "\(error)")
            }
            try await transport.shutdown()
        }
    }
}
