import Foundation
import HTTPTypes
import SiloClient
import SiloClientAHC
import SiloCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stand-in for an app server's token endpoint: every GET calls Silo's STS AssumeRole (the SDK's
/// `STSClient`, signed with the root key) and answers the spec §17 JSON. Counts how many tokens it vended.
final class TokenVendingStub: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let stsEndpoint: URL
    private let roleArn: String
    private let durationSeconds: Int
    private let lock = NSLock()
    private var served = 0

    init(stsEndpoint: URL, roleArn: String, durationSeconds: Int) throws {
        self.stsEndpoint = stsEndpoint
        self.roleArn = roleArn
        self.durationSeconds = durationSeconds
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw TestFailure("stub cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in serve() }
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)/sts/token?uid=42")! }
    var tokensVended: Int { lock.lock(); defer { lock.unlock() }; return served }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            Thread.detachNewThread { [self] in handle(connection) }
        }
    }

    private func handle(_ connection: Int32) {
        defer { close(connection) }
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.suffix(4).elementsEqual([13, 10, 13, 10]) {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            request += buffer[0..<count]
        }
        let done = DispatchSemaphore(value: 0)
        let body = Locked<Data>(Data())
        Task {
            body.set(await self.vend())
            done.signal()
        }
        done.wait()
        let payload = body.value
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + Array(payload)
        _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, bytes.count) }
    }

    private func vend() async -> Data {
        do {
            let credentials = try await assumeRole()
            countServed()
            let document: [String: Any] = ["StatusCode": 200, "AccessKeyId": credentials.0, "AccessKeySecret": credentials.1,
                                           "SecurityToken": credentials.2, "Expiration": credentials.3]
            return try JSONSerialization.data(withJSONObject: document)
        } catch {
            return Data(#"{"StatusCode":500,"ErrorCode":"AssumeRoleFailed","ErrorMessage":"\#(error)"}"#.utf8)
        }
    }

    private func countServed() {
        lock.lock()
        served += 1
        lock.unlock()
    }

    private func assumeRole() async throws -> (String, String, String, String) {
        let transport = PlainHTTP.transport()
        defer { Task { try? await transport.shutdown() } }
        let sts = STSClient(endpoint: stsEndpoint, accessKeyId: SiloServerProcess.accessKeyId,
                            accessKeySecret: SiloServerProcess.accessKeySecret, transport: transport)
        let role = try await sts.assumeRole(roleArn: roleArn, sessionName: "uid-42", durationSeconds: durationSeconds)
        return (role.credentials.accessKeyId, role.credentials.accessKeySecret, role.credentials.securityToken ?? "",
                role.expiration)
    }
}

/// A value shared between a thread and a task in tests.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ value: Value) { lock.lock(); stored = value; lock.unlock() }
    func update(_ change: (inout Value) -> Void) { lock.lock(); change(&stored); lock.unlock() }
}
