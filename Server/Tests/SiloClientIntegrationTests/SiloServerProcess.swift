import Foundation
import SiloClient
import SiloClientAHC
import SiloCore

/// A real `silo server` process on free loopback ports with a temporary data folder, stopped by PID.
final class SiloServerProcess: @unchecked Sendable {
    static let accessKeyId = "LTAIsiloswifttests000001"
    static let accessKeySecret = "silo-swift-tests-secret-0123456789"
    static let region = "cn-hangzhou"

    /// `Server/.build/<config>/silo`, next to this test bundle; `SILO_BIN` overrides.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SILO_BIN"] { return URL(fileURLWithPath: path) }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("silo")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let serverDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return serverDirectory.appendingPathComponent(".build/debug/silo")
    }

    let process = Process()
    let dataDirectory: URL
    /// A folder the caller gave is the caller's to remove; a temporary one goes with the server.
    private let ownsDataDirectory: Bool
    private(set) var endpoint = URL(string: "http://127.0.0.1")!
    private(set) var stsEndpoint = URL(string: "http://127.0.0.1")!
    private let output = Pipe()

    init(extraArguments: [String] = [], environment extraEnvironment: [String: String] = [:],
         dataDirectory given: URL? = nil) throws {
        ownsDataDirectory = given == nil
        dataDirectory = given ?? FileManager.default.temporaryDirectory.appendingPathComponent("silo-swift-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw TestFailure("silo binary missing at \(Self.binary.path): build Server/ first (make build)")
        }
        process.executableURL = Self.binary
        process.arguments = ["server", "--data-dir", dataDirectory.path, "--address", "127.0.0.1:0",
                             "--sts-address", "127.0.0.1:0", "--region", Self.region] + extraArguments
        var environment = ProcessInfo.processInfo.environment
        environment["SILO_ROOT_ACCESS_KEY_ID"] = Self.accessKeyId
        environment["SILO_ROOT_ACCESS_KEY_SECRET"] = Self.accessKeySecret
        environment.merge(extraEnvironment) { $1 }
        process.environment = environment
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        try readBanner()
    }

    /// Reads stdout until both endpoints are announced, then keeps draining it so the server never blocks.
    private func readBanner() throws {
        let handle = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { throw TestFailure("silo exited early") }
            text += String(decoding: data, as: UTF8.self)
            if let oss = Self.port(after: "OSS endpoint : http://127.0.0.1:", in: text),
                let sts = Self.port(after: "STS endpoint : http://127.0.0.1:", in: text) {
                endpoint = URL(string: "http://127.0.0.1:\(oss)")!
                stsEndpoint = URL(string: "http://127.0.0.1:\(sts)")!
                Thread.detachNewThread { while !handle.availableData.isEmpty {} }
                return
            }
        }
        throw TestFailure("silo did not announce its endpoints")
    }

    private static func port(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if ownsDataDirectory { try? FileManager.default.removeItem(at: dataDirectory) }
    }

    deinit { stop() }

    private let clients = NSLockedList()

    /// Runs `body` against a fresh server, then closes every client it made and stops the server (idle
    /// keep-alive connections would otherwise hold up the graceful stop).
    static func with<T>(extraArguments: [String] = [], environment: [String: String] = [:], dataDirectory: URL? = nil,
                        _ body: (SiloServerProcess) async throws -> T) async throws -> T {
        let server = try SiloServerProcess(extraArguments: extraArguments, environment: environment,
                                           dataDirectory: dataDirectory)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    func shutdown() async {
        for client in clients.drain() { try? await client.shutdown() }
        stop()
    }

    func client(_ version: SignatureVersion, via proxy: FaultProxy? = nil, transport kind: NetworkFailureTests.Kind = .asyncHTTPClient,
                configure: (inout ClientConfiguration) -> Void = { _ in },
                credentials: (any CredentialsProvider)? = nil, middlewares: [any ClientMiddleware] = []) -> OSSClient {
        var configuration = ClientConfiguration()
        configuration.signatureVersion = version
        configure(&configuration)
        let transport: any Transport = kind == .urlSession
            ? URLSessionTransport(configuration: configuration) : AsyncHTTPClientTransport(configuration: configuration)
        let client = OSSClient(endpoint: proxy?.endpoint ?? endpoint, region: Self.region,
                               credentials: credentials ?? StaticCredentialsProvider(accessKeyId: Self.accessKeyId,
                                                                                     accessKeySecret: Self.accessKeySecret),
                               configuration: configuration, transport: transport, middlewares: middlewares)
        clients.append(client)
        return client
    }
}

final class NSLockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [OSSClient] = []

    func append(_ client: OSSClient) {
        lock.lock()
        items.append(client)
        lock.unlock()
    }

    func drain() -> [OSSClient] {
        lock.lock()
        defer { lock.unlock() }
        defer { items = [] }
        return items
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Deterministic bytes for a test, cheap to regenerate.
func testBytes(_ count: Int, seed: UInt64 = 1) -> Data {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var data = Data(count: count)
    data.withUnsafeMutableBytes { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        for index in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state)
        }
    }
    return data
}

func temporaryFile(_ data: Data) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("silo-sdk-" + UUID().uuidString)
    try data.write(to: url)
    return url
}

/// Counts requests by a predicate, for proving what a transfer did and did not send.
final class CountingMiddleware: ClientMiddleware, @unchecked Sendable {
    private let lock = NSLock()
    private var counted: [String] = []
    let label: @Sendable (ClientRequest) -> String?

    init(label: @escaping @Sendable (ClientRequest) -> String?) { self.label = label }

    var seen: [String] {
        lock.lock()
        defer { lock.unlock() }
        return counted
    }

    func handle(_ request: ClientRequest, next: @Sendable (ClientRequest) async throws -> TransportResponse) async throws
        -> TransportResponse {
        if let name = label(request) { record(name) }
        return try await next(request)
    }

    private func record(_ name: String) {
        lock.lock()
        counted.append(name)
        lock.unlock()
    }
}
