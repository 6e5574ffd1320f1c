import Foundation
import SiloAppServer
import SiloClient
import SiloClientAHC
import SiloCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The seed's whole flow with real processes: `silo server`, `silo demo setup`, `silo app-server`, and an app
/// that gets its credentials only through SiloClient's auth-server provider.
@Suite(.serialized) struct MobileFlowTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(socket, pointer, length) == 0 else { return -1 }
                return getsockname(socket, pointer, &length)
            }
        }
        guard bound == 0 else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A PNG header (320x200) followed by filler: enough for the callback's imageInfo.
    static func photo() throws -> URL {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bytes += [0, 0, 0x01, 0x40, 0, 0, 0, 0xC8, 8, 2, 0, 0, 0]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("photo-\(UUID().uuidString).png")
        try (Data(bytes) + testBytes(40_000, seed: 7)).write(to: url)
        return url
    }

    static func startAppServer(config: URL, port: Int) async throws -> Process {
        let process = Process()
        process.executableURL = SiloServerProcess.binary
        process.arguments = ["app-server", "--config", config.path, "--address", "127.0.0.1:\(port)"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        do {
            try await waitForAppServer(port: port)
        } catch {
            process.terminate()
            throw error
        }
        return process
    }

    static func waitForAppServer(port: Int) async throws {
        let transport = AsyncHTTPClientTransport()
        defer { Task { try? await transport.shutdown() } }
        let health = AppServerClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, transport: transport)
        for _ in 0..<300 {
            if await health.isHealthy() { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw TestFailure("the app server did not come up")
    }

    @Test func theDemoFlowThroughTheAuthServerProviderKeepsUsersApart() async throws {
        try await SiloServerProcess.with(extraArguments: ["--bucket", "demo", "--callback-policy", "loopback"]) { server in
            let port = try Self.freePort()
            let config = try await Self.demoSetup(server: server, appPort: port)
            let appServer = try await Self.startAppServer(config: config, port: port)
            defer {
                appServer.terminate()
                appServer.waitUntilExit()
            }
            try await Self.runFlow(server: server, appPort: port)
        }
    }

    /// The same flow with the app server inside `silo server` (`--app-server-config`). The configuration's STS
    /// endpoint is made unreachable, so every token, and the read-only session that checks callbacks against
    /// storage, can only have come from the process's own STS.
    @Test func theSameFlowWithTheAppServerInsideSiloServer() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("silo-embedded-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: data) }
        let (ossPort, stsPort, appPort) = (try Self.freePort(), try Self.freePort(), try Self.freePort())
        let fixed = ["--address", "127.0.0.1:\(ossPort)", "--sts-address", "127.0.0.1:\(stsPort)", "--bucket", "demo",
                     "--callback-policy", "loopback"]
        // `demo setup` makes the app server's RAM user, role and policies through a running server.
        let config = try await SiloServerProcess.with(extraArguments: fixed, dataDirectory: data) { server in
            try await Self.demoSetup(server: server, appPort: appPort)
        }
        let text = try String(contentsOf: config, encoding: .utf8)
        let stsEndpoint = "http://127.0.0.1:\(stsPort)"
        #expect(text.contains(stsEndpoint))
        try text.replacingOccurrences(of: stsEndpoint, with: "http://127.0.0.1:9").write(to: config, atomically: true, encoding: .utf8)
        // A configuration whose secret is not the key's is refused at start, not token by token.
        let stale = data.appendingPathComponent("stale.yaml")
        let secretLine = try #require(text.split(separator: "\n").first { $0.contains("access_key_secret:") })
        try text.replacingOccurrences(of: String(secretLine), with: "  access_key_secret: not-the-secret")
            .write(to: stale, atomically: true, encoding: .utf8)
        #expect(throws: TestFailure.self) {
            _ = try SiloServerProcess(extraArguments: fixed + ["--app-server-config", stale.path,
                                                               "--app-address", "127.0.0.1:\(appPort)"],
                                      dataDirectory: data)
        }
        try await SiloServerProcess.with(
            extraArguments: fixed + ["--app-server-config", config.path, "--app-address", "127.0.0.1:\(appPort)"],
            dataDirectory: data
        ) { server in
            try await Self.waitForAppServer(port: appPort)
            try await Self.runFlow(server: server, appPort: appPort)
        }
    }

    static func demoSetup(server: SiloServerProcess, appPort: Int) async throws -> URL {
        let config = server.dataDirectory.appendingPathComponent("app-server.yaml")
        let (setupOutput, status) = try await CLITests.output(
            ["demo", "setup", "--endpoint", server.endpoint.absoluteString, "--data-dir", server.dataDirectory.path,
             "--sts-endpoint", server.stsEndpoint.absoluteString, "--app-server-address", "127.0.0.1:\(appPort)",
             "--output", config.path], server: server)
        #expect(status == 0, "\(setupOutput)")
        return config
    }

    /// A mobile app's whole flow through the app server on `appPort`, then a second user kept apart from the first.
    static func runFlow(server: SiloServerProcess, appPort port: Int) async throws {
        let transport = AsyncHTTPClientTransport()
        let photo = try Self.photo()
        defer { try? FileManager.default.removeItem(at: photo) }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        var options = MobileFlow.Options(appServer: base, username: "alice", password: "alice-password", file: photo)
        options.largeFileSize = 9 << 20
        let lines = Lines()
        let report = try await MobileFlow(options: options, transport: transport) { line in
            lines.add(line)
        }.run()

        #expect(report.uid == "alice")
        #expect(report.simpleKey == "users/alice/" + photo.lastPathComponent)
        #expect(report.largeKey.hasPrefix("users/alice/videos/"))
        #expect(Set(report.uploads.map(\.key)) == [report.simpleKey, report.largeKey])
        let image = try #require(report.uploads.first { $0.key == report.simpleKey })
        #expect(image.width == 320 && image.height == 200 && image.mimeType == "image/png")
        #expect(report.uploads.first { $0.key == report.largeKey }?.size == 9 << 20)
        let answer = try JSONSerialization.jsonObject(with: Data(report.simpleCallback.utf8)) as? [String: Any]
        #expect(answer?["Status"] as? String == "OK")
        #expect(report.largeCallback.contains(report.largeKey))
        #expect(report.downloadedBytes == 40_029)
        #expect(report.thumbnailURL?.query?.contains("x-oss-process=image%2Fresize") == true)
        let narrated = lines.all
        for step in 1...8 { #expect(narrated.contains { $0.hasPrefix("\(step). ") }, "step \(step) narrated") }

        // Bob signs up and gets his own token through the same provider the mobile SDKs use.
        let app = AppServerClient(baseURL: base, transport: transport)
        try await app.register(username: "bob", password: "bob-password")
        let bob = try await app.login(username: "bob", password: "bob-password")
        let bobClient = OSSClient(
            endpoint: server.endpoint, region: SiloServerProcess.region,
            credentials: AuthServerCredentialsProvider(url: app.tokenURL, transport: transport,
                                                       headers: ["Authorization": "Bearer " + bob.token]),
            transport: transport)
        let demo = bobClient.bucket("demo")
        await #expect(throws: OSSClientError.self) { _ = try await demo.get(report.simpleKey) }
        await #expect(throws: OSSClientError.self) { _ = try await demo.put("users/alice/evil.txt", data: Data("x".utf8)) }
        await #expect(throws: OSSClientError.self) { _ = try await demo.put("root.txt", data: Data("x".utf8)) }
        _ = try await demo.put("users/bob/hello.txt", data: Data("hi".utf8))
        #expect(try await demo.get("users/bob/hello.txt") == Data("hi".utf8))
        // No callback on that upload: the catalog holds only what callbacks reported, and only bob's.
        #expect(try await app.uploads(session: bob.token).isEmpty)
        #expect(Set(try await app.uploads(session: (try await app.login(username: "alice", password: "alice-password")).token)
            .map(\.uid)) == ["alice"])

        // Without a session the provider gets a 401 and reports it.
        let anonymous = AuthServerCredentialsProvider(url: app.tokenURL, transport: transport)
        await #expect(throws: OSSClientError.self) { _ = try await anonymous.credentials() }
        try await transport.shutdown()
    }
}
