import Foundation
import SiloClient
import SiloClientAHC
import HTTPTypes
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Both transports report why the network failed, as causes an app acts on: nothing listening (cannot connect), a
/// server that never answers (timed out), and a peer that does not speak TLS (a TLS failure, not retried).
@Suite(.serialized) struct NetworkFailureTests {
    enum Kind: String, CaseIterable, CustomStringConvertible {
        case urlSession, asyncHTTPClient
        var description: String { rawValue }
    }

    static func client(_ kind: Kind, endpoint: URL) -> (OSSClient, any Transport) {
        var configuration = ClientConfiguration()
        configuration.maxRetries = 0
        configuration.connectionTimeout = .seconds(2)
        configuration.socketTimeout = .seconds(1)
        let transport: any Transport = kind == .urlSession
            ? URLSessionTransport(configuration: configuration) : AsyncHTTPClientTransport(configuration: configuration)
        let client = OSSClient(endpoint: endpoint, region: "cn-hangzhou",
                               credentials: StaticCredentialsProvider(accessKeyId: "LTAIexample", accessKeySecret: "secret"),
                               configuration: configuration, transport: transport)
        return (client, transport)
    }

    static func failure(_ kind: Kind, _ endpoint: String) async throws -> NetworkFailure? {
        let (client, transport) = client(kind, endpoint: URL(string: endpoint)!)
        defer { Task { try? await transport.shutdown() } }
        do {
            _ = try await client.bucket("b").head("k")
            Issue.record("\(endpoint) answered")
            return nil
        } catch let error as OSSClientError {
            guard case .transport(let failure) = error else {
                Issue.record("not a network failure: \(error)")
                return nil
            }
            return failure
        }
    }

    @Test(arguments: Kind.allCases)
    func nothingListeningIsCannotConnect(kind: Kind) async throws {
        let port = try Listener(answer: nil).closeAndKeepPort()
        let failure = try await Self.failure(kind, "http://127.0.0.1:\(port)")
        #expect(failure?.cause == .cannotConnect, "\(String(describing: failure))")
    }

    @Test(arguments: Kind.allCases)
    func aServerThatNeverAnswersTimesOut(kind: Kind) async throws {
        let listener = try Listener(answer: nil)
        defer { listener.close() }
        let failure = try await Self.failure(kind, "http://127.0.0.1:\(listener.port)")
        #expect(failure?.cause == .timedOut, "\(String(describing: failure))")
    }

    @Test(arguments: Kind.allCases)
    func aPeerThatDoesNotSpeakTLSIsATLSFailure(kind: Kind) async throws {
        let listener = try Listener(answer: Data("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        defer { listener.close() }
        let failure = try await Self.failure(kind, "https://127.0.0.1:\(listener.port)")
        #expect(failure?.cause == .tls, "\(String(describing: failure))")
    }
}

/// A TCP listener on 127.0.0.1 that accepts connections and either says nothing (the kernel completes the
/// handshake, the request waits forever) or answers each with fixed bytes and closes it.
final class Listener: @unchecked Sendable {
    let descriptor: Int32
    let port: Int
    private var accepter: Thread?

    init(answer: Data?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        guard let answer else { return }
        let descriptor = self.descriptor
        let thread = Thread {
            while true {
                let connection = accept(descriptor, nil, nil)
                if connection < 0 { return }
                answer.withUnsafeBytes { _ = send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(connection)
            }
        }
        thread.start()
        accepter = thread
    }

    /// Frees the port: connecting to it is then refused.
    func closeAndKeepPort() -> Int {
        close()
        return port
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}

/// Cancelling a download stops it: the read ends and the connection closes, on both transports, long before the
/// read timeout would have ended it. The timeout is set to two minutes and the bound is a quarter of it, so a
/// loaded machine cannot make a cancel look like a timeout or the reverse (a 5 s bound against the default 15 s
/// timeout once measured 5.5 s under a full `make test`). A body let go half read closes the connection on
/// AsyncHTTPClient; URLSession leaves it to finish (cancelling from the release crashed FoundationNetworking).
@Suite(.serialized) struct DownloadCancellationTests {
    static let readTimeout = Duration.seconds(120)
    /// Well under the read timeout, far above what a cancel takes on an idle machine (milliseconds).
    static let bound: TimeInterval = 30

    static func transport(_ kind: NetworkFailureTests.Kind) -> any Transport {
        var configuration = ClientConfiguration()
        configuration.socketTimeout = readTimeout
        return kind == .urlSession ? URLSessionTransport(configuration: configuration)
            : AsyncHTTPClientTransport(configuration: configuration)
    }

    static func request(_ port: Int) -> TransportRequest {
        TransportRequest(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:\(port)", path: "/big"), body: .empty)
    }

    @Test(arguments: NetworkFailureTests.Kind.allCases)
    func cancellingAReaderThatWaitsForBytesClosesTheConnection(kind: NetworkFailureTests.Kind) async throws {
        let server = try StallingServer()
        let transport = Self.transport(kind)
        defer { Task { try? await transport.shutdown() } }
        let started = Locked(false)
        let reader = Task {
            let response = try await transport.send(Self.request(server.port))
            var received = 0
            for try await chunk in response.body {
                received += chunk.count
                if received >= StallingServer.sent { started.update { $0 = true } }
            }
            return received
        }
        while !started.value { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(200))  // the reader now waits for bytes that never come
        let cancelledAt = Date()
        reader.cancel()
        let outcome = await reader.result
        #expect(Date().timeIntervalSince(cancelledAt) < Self.bound, "the read ended long before the read timeout")
        if case .success(let received) = outcome { Issue.record("the read finished with \(received) bytes") }
        let closed = try #require(server.waitForClose(timeout: Self.bound), "the connection stayed open")
        #expect(closed.timeIntervalSince(cancelledAt) < Self.bound, "closed \(closed.timeIntervalSince(cancelledAt)) s after the cancel")
    }

    @Test(arguments: [NetworkFailureTests.Kind.asyncHTTPClient])
    func aBodyLetGoHalfReadClosesTheConnection(kind: NetworkFailureTests.Kind) async throws {
        let server = try StallingServer()
        let transport = Self.transport(kind)
        defer { Task { try? await transport.shutdown() } }
        do {
            let response = try await transport.send(Self.request(server.port))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
        }
        let droppedAt = Date()
        let closed = try #require(server.waitForClose(timeout: Self.bound), "the connection stayed open")
        #expect(closed.timeIntervalSince(droppedAt) < Self.bound, "closed \(closed.timeIntervalSince(droppedAt)) s after the body was dropped")
    }
}

/// Answers one request with a 1 GiB Content-Length, sends the first MiB, then stalls and notes when the client
/// closes the connection.
final class StallingServer: @unchecked Sendable {
    static let sent = 1 << 20
    let listener: Listener
    var port: Int { listener.port }
    private let closedAt = Locked<Date?>(nil)

    init() throws {
        listener = try Listener(answer: nil)
        let descriptor = listener.descriptor
        let closedAt = self.closedAt
        Thread {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &request, request.count, 0)
            let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            _ = send(connection, head, head.count, Int32(MSG_NOSIGNAL))
            let chunk = [UInt8](repeating: 7, count: StallingServer.sent)
            _ = send(connection, chunk, chunk.count, Int32(MSG_NOSIGNAL))
            // Stalls: waits for the client to go away.
            var byte: UInt8 = 0
            while recv(connection, &byte, 1, 0) > 0 {}
            closedAt.update { $0 = Date() }
            Glibc.close(connection)
        }.start()
    }

    func waitForClose(timeout: TimeInterval) -> Date? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let closed = closedAt.value { return closed }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    deinit { listener.close() }
}
