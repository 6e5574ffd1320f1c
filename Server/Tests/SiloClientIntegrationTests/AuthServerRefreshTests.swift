import Foundation
import SiloClient
import SiloCore
import Testing

/// The mobile flow end to end: an auth-server URL vends real STS tokens that expire within seconds, and the SDK
/// keeps a long upload going across refreshes without a single request failing on expiry.
@Suite(.serialized) struct AuthServerRefreshTests {
    /// Slows every part down so the upload outlives several tokens.
    struct Throttle: ClientMiddleware {
        func handle(_ request: ClientRequest, next: @Sendable (ClientRequest) async throws -> TransportResponse) async throws
            -> TransportResponse {
            if request.query["partNumber"] != nil { try await Task.sleep(nanoseconds: 300_000_000) }
            return try await next(request)
        }
    }

    /// Records every server error code the client saw, retried or not.
    final class ErrorLog: ClientMiddleware, @unchecked Sendable {
        let codes = Locked<[String]>([])
        func handle(_ request: ClientRequest, next: @Sendable (ClientRequest) async throws -> TransportResponse) async throws
            -> TransportResponse {
            do {
                return try await next(request)
            } catch let error as OSSClientError {
                codes.update { $0.append(error.code ?? "\(error)") }
                throw error
            }
        }
    }

    static func role(_ server: SiloServerProcess) async throws -> String {
        let (role, _) = try await CLITests.output(["admin", "role", "create", "uploader", "--json"], server: server)
        let arn = try #require((try JSONSerialization.jsonObject(with: Data(role.utf8)) as? [String: Any])?["arn"] as? String)
        let policy = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject","oss:ListParts","oss:AbortMultipartUpload"],"Resource":["acs:oss:*:*:app/users/42/*"]}]}"#
        #expect(try await CLITests.output(["admin", "policy", "create", "uploads", "--document", policy], server: server).1 == 0)
        #expect(try await CLITests.output(["admin", "policy", "attach", "uploads", "--role", "uploader"], server: server).1 == 0)
        return arn
    }

    @Test func aLongUploadSpansSeveralShortLivedTokens() async throws {
        try await SiloServerProcess.with(extraArguments: ["--sts-minimum-duration-seconds", "3"]) { server in
            try await server.client(.v4).bucket("app").create()
            let stub = try TokenVendingStub(stsEndpoint: server.stsEndpoint, roleArn: try await Self.role(server), durationSeconds: 8)
            defer { stub.stop() }
            let authTransport = PlainHTTP.transport()
            // Tokens live 8 s and are renewed 4 s before they expire: a long upload crosses several of them. The
            // margin is what a signed request may take to reach the server; on two cores shared with the rest of
            // the suite (image decoding on the cooperative pool, other servers) 2 s was seen to be too little. The
            // lifetime leaves a fetch 4 s too: a token that arrives already inside its refresh window is kept, by
            // design, until 2 s before it expires (RefreshingCredentialsProvider), and with 6 s tokens a fetch
            // slowed past 2 s by the full suite's load once left a request that little margin.
            let provider = AuthServerCredentialsProvider(url: stub.url, transport: authTransport, refreshBefore: .seconds(4))
            let errors = ErrorLog()
            let bucket = server.client(.v4, configure: { $0.maxConcurrentRequests = 2 }, credentials: provider,
                                       middlewares: [Throttle(), errors]).bucket("app")

            // Twenty callers at once on a cold provider: one fetch from the endpoint, one token for all.
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await provider.credentials().accessKeyId } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(stub.tokensVended == 1)
            #expect(await provider.fetchCount == 1)
            _ = try await bucket.put("users/42/first.txt", data: Data("x".utf8))

            let data = testBytes(32 << 20, seed: 31)
            let file = try temporaryFile(data)
            defer { try? FileManager.default.removeItem(at: file) }
            var options = ResumableUploadOptions()
            options.partSize = 1 << 20
            options.concurrency = 1
            let started = Date()
            let result = try await bucket.resumableUpload("users/42/long.bin", file: file, options: options)
            let elapsed = Date().timeIntervalSince(started)
            #expect(result.crc64 == CRC64.checksum(data))
            #expect(elapsed > 8, "the upload must outlive its first token (took \(elapsed) s)")
            #expect(stub.tokensVended >= 3, "initial token plus at least two refreshes, got \(stub.tokensVended)")
            #expect(!errors.codes.value.contains("SecurityTokenExpired"), "\(errors.codes.value)")
            #expect(errors.codes.value.isEmpty, "no request failed at all: \(errors.codes.value)")

            // The session policy scope holds: outside users/42/ is refused.
            do {
                _ = try await bucket.put("users/7/intrusion.txt", data: Data("x".utf8))
                Issue.record("a token for uid 42 wrote outside its prefix")
            } catch let error as OSSClientError {
                #expect(error.code == "AccessDenied")
            }
            try? await authTransport.shutdown()
        }
    }
}
