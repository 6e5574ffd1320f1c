import Foundation
import SiloClient
import SiloCore
import Testing

/// What the SDK promises over a bad network, on both transports: connections closed, reset or stalled in the middle
/// of a body (by a proxy between client and server) still end in the right object and the right file, and a token
/// the server has expired is replaced and the request sent again. (Cancellation, timeouts, failure causes and
/// memory run on both transports in NetworkFailureTests, DownloadCancellationTests and MemoryTests.)
@Suite(.serialized) struct TransportConformanceTests {
    typealias Kind = NetworkFailureTests.Kind

    static let faults: [FaultProxy.Cut.How] = [.close, .reset, .stall]

    static func configure(_ configuration: inout ClientConfiguration) {
        configuration.maxRetries = 4
        configuration.retryBaseDelay = .milliseconds(50)
        // A stalled connection is given up after this long without a byte, then the request is sent again.
        configuration.socketTimeout = .seconds(2)
    }

    @Test(arguments: Kind.allCases, [FaultProxy.Cut.How.close, .reset, .stall])
    func uploadsThroughAFaultyNetworkStoreTheRightObject(kind: Kind, how: FaultProxy.Cut.How) async throws {
        try await SiloServerProcess.with { server in
            // Every third connection fails 300 KB into its request: mid-part.
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { index in
                index % 3 == 1 ? FaultProxy.Cut(afterUploadBytes: 300_000, how: how) : nil
            }
            defer { proxy.stop() }
            let data = testBytes(6 << 20, seed: 51)
            let file = try temporaryFile(data)
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: file)
                try? FileManager.default.removeItem(at: checkpoints)
            }
            try await server.client(.v4).bucket("faulty").create()
            let bucket = server.client(.v4, via: proxy, transport: kind, configure: Self.configure).bucket("faulty")
            var options = ResumableUploadOptions(checkpointDirectory: checkpoints)
            options.partSize = 1 << 20
            let result = try await bucket.resumableUpload("clip.mov", file: file, options: options)
            #expect(proxy.cutCount > 0, "the proxy must actually have cut connections")
            #expect(result.crc64 == CRC64.checksum(data))
            #expect(try await server.client(.v4).bucket("faulty").get("clip.mov") == data)
        }
    }

    @Test(arguments: Kind.allCases, [FaultProxy.Cut.How.close, .reset, .stall])
    func downloadsThroughAFaultyNetworkWriteTheRightFile(kind: Kind, how: FaultProxy.Cut.How) async throws {
        try await SiloServerProcess.with { server in
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { index in
                index % 3 == 1 ? FaultProxy.Cut(afterDownloadBytes: 400_000, how: how) : nil
            }
            defer { proxy.stop() }
            let data = testBytes(5 << 20 + 777, seed: 52)
            let direct = server.client(.v4).bucket("faulty-down")
            try await direct.create()
            _ = try await direct.put("movie.bin", data: data)
            let bucket = server.client(.v4, via: proxy, transport: kind, configure: Self.configure).bucket("faulty-down")

            let target = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: target) }
            var options = ResumableDownloadOptions()
            options.partSize = 1 << 20
            let info = try await bucket.resumableDownload("movie.bin", to: target, options: options)
            #expect(info.size == Int64(data.count))
            #expect(try Data(contentsOf: target) == data)
            // A whole-object GET through the same faults: retried from the start, checked by its CRC-64.
            let whole = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: whole) }
            _ = try await bucket.get("movie.bin", toFile: whole)
            #expect(try Data(contentsOf: whole) == data)
            #expect(proxy.cutCount > 0)
        }
    }

    /// A token the device still believes valid but the server has expired: the first request meets a 403
    /// `SecurityTokenExpired`, the provider is told, and the retry is signed with the next token.
    @Test(arguments: Kind.allCases)
    func aTokenExpiredOnTheServerIsReplacedAndTheRequestSentAgain(kind: Kind) async throws {
        try await SiloServerProcess.with(extraArguments: ["--sts-minimum-duration-seconds", "3"]) { server in
            try await server.client(.v4).bucket("app").create()
            let arn = try await AuthServerRefreshTests.role(server)
            let sts = STSClient(endpoint: server.stsEndpoint, accessKeyId: SiloServerProcess.accessKeyId,
                                accessKeySecret: SiloServerProcess.accessKeySecret, transport: PlainHTTP.transport())
            let stale = try await sts.assumeRole(roleArn: arn, sessionName: "stale", durationSeconds: 3).credentials
            try await Task.sleep(for: .seconds(4))
            let fresh = try await sts.assumeRole(roleArn: arn, sessionName: "fresh", durationSeconds: 900).credentials
            let provider = StaleFirstProvider(stale: stale, fresh: fresh)
            let errors = AuthServerRefreshTests.ErrorLog()
            let bucket = server.client(.v4, transport: kind, credentials: provider, middlewares: [errors]).bucket("app")

            _ = try await bucket.put("users/42/after-expiry.txt", data: Data("again".utf8))
            #expect(errors.codes.value == ["SecurityTokenExpired"], "one 403, then the retry: \(errors.codes.value)")
            #expect(await provider.invalidations == 1)
            #expect(try await server.client(.v4).bucket("app").get("users/42/after-expiry.txt") == Data("again".utf8))
        }
    }
}

/// Answers with a token whose expiry the device does not know (as after a wrong clock), until told it was refused.
actor StaleFirstProvider: CredentialsProvider {
    private var current: Credentials
    private let fresh: Credentials
    private(set) var invalidations = 0

    init(stale: Credentials, fresh: Credentials) {
        var believed = stale
        believed.expiration = Date().addingTimeInterval(3600)
        current = believed
        self.fresh = fresh
    }

    func credentials() async throws -> Credentials { current }

    func invalidate(_ credentials: Credentials) async {
        guard credentials == current, credentials != fresh else { return }
        invalidations += 1
        current = fresh
    }
}
