import Foundation
import SiloClient
import SiloClientAHC
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
