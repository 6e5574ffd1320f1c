import AsyncAlgorithms
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SiloCore
import SiloStorage

/// The few S3 calls a blob store needs, path-style, signed with AWS SigV4 (payload unsigned: the body's integrity
/// is checked by the caller's own digests). Redirects are never followed. A connection failure or a 5xx is
/// `BackendUnavailable`; anything else unexpected is `S3Failure`.
final class S3Client: Sendable {
    let location: S3Location
    let http: HTTPClient
    let timeout: TimeAmount
    let clock: @Sendable () -> Int64

    init(location: S3Location, timeout: TimeAmount = .seconds(60),
         clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.location = location
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
        self.clock = clock
    }

    func shutdown() async throws {
        try await http.shutdown()
    }

    /// Body pieces received ahead of the consumer (each at most one socket read, 64 KiB).
    static let readAhead = 16

    func objectPath(_ name: String) -> String { "/\(location.bucket)/\(location.prefix)\(name)" }

    private func request(_ method: HTTPMethod, path: String, query: [(name: String, value: String)] = [],
                         headers extra: [(name: String, value: String)] = [], body: ByteBuffer? = nil) -> HTTPClientRequest {
        var signed = AWSSignatureV4.Request(method: method.rawValue, path: path, query: query,
                                            headers: [("host", location.hostHeader)] + extra)
        let credentials = AWSSignatureV4.Credentials(accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey)
        let added = AWSSignatureV4.sign(signed, credentials: credentials, region: location.region,
                                        payloadHash: AWSSignatureV4.unsignedPayload, unixSeconds: clock())
        signed.headers += added
        let query = signed.encodedQuery
        var request = HTTPClientRequest(url: location.origin + signed.encodedPath + (query.isEmpty ? "" : "?" + query))
        request.method = method
        for (name, value) in signed.headers where name != "host" { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
            request.body = .bytes(body)
        }
        return request
    }

    private func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw BackendUnavailable(backend: "blobs", reason: "S3 \(location.host):\(location.port): \(error)")
        }
        if response.status.code >= 500 {
            _ = try? await response.body.collect(upTo: 64 << 10)
            throw BackendUnavailable(backend: "blobs", reason: "S3 answered \(response.status.code)")
        }
        return response
    }

    private func failure(_ response: HTTPClientResponse, _ operation: String) async -> S3Failure {
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
        return S3Failure(operation: operation, status: Int(response.status.code), body: String(body.prefix(512)))
    }

    func put(_ name: String, body: ByteBuffer) async throws {
        let response = try await execute(request(.PUT, path: objectPath(name), body: body))
        guard response.status == .ok else { throw await failure(response, "PUT \(name)") }
        _ = try await response.body.collect(upTo: 64 << 10)
    }

    /// Streams `range` of the object to `consume`. The response is read to its end or the request fails.
    func get(_ name: String, range: Range<Int64>, _ consume: (ByteBuffer) async throws -> Void) async throws {
        guard !range.isEmpty else { return }
        let response = try await execute(request(
            .GET, path: objectPath(name), headers: [("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")]))
        guard response.status == .partialContent || response.status == .ok else {
            if response.status == .notFound { throw S3Failure.missing(name) }
            throw await failure(response, "GET \(name)")
        }
        var received: Int64 = 0
        var skip: Int64 = response.status == .ok ? range.lowerBound : 0  // a server that ignored the range
        // The response body hands over one piece at a time and reads the socket again only when asked: drained
        // straight into a slower consumer (the client's connection), receiving and sending would take turns. A
        // bounded read-ahead lets the next pieces arrive while this one is written, and still stops reading when
        // the consumer falls behind.
        for try await var piece in response.body.buffer(policy: .bounded(Self.readAhead)) {
            if skip > 0 {
                let dropped = Int(min(skip, Int64(piece.readableBytes)))
                piece.moveReaderIndex(forwardBy: dropped)
                skip -= Int64(dropped)
            }
            let wanted = Int(min(Int64(piece.readableBytes), Int64(range.count) - received))
            guard wanted > 0 else { continue }
            received += Int64(wanted)
            try await consume(piece.readSlice(length: wanted)!)
        }
        guard received == Int64(range.count) else {
            throw BackendUnavailable(backend: "blobs", reason: "S3 GET \(name) ended after \(received) of \(range.count) bytes")
        }
    }

    func delete(_ name: String) async throws {
        let response = try await execute(request(.DELETE, path: objectPath(name)))
        _ = try await response.body.collect(upTo: 64 << 10)
        guard response.status == .noContent || response.status == .ok || response.status == .notFound else {
            throw await failure(response, "DELETE \(name)")
        }
    }

    /// Object names (without the location's prefix) under `prefix`, page by page until the end.
    func list(prefix: String) async throws -> [String] {
        var names: [String] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", location.prefix + prefix),
                                                          ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let response = try await execute(request(.GET, path: "/\(location.bucket)", query: query))
            guard response.status == .ok else { throw await failure(response, "LIST \(prefix)") }
            let body = try await response.body.collect(upTo: 16 << 20)
            let root = try XMLTree.parse(body.readableBytesView, limits: .response)
            for contents in root.children where contents.name == "Contents" {
                if let key = contents.children.first(where: { $0.name == "Key" })?.text {
                    names.append(String(key.dropFirst(location.prefix.count)))
                }
            }
            let truncated = root.children.first { $0.name == "IsTruncated" }?.text == "true"
            token = truncated ? root.children.first { $0.name == "NextContinuationToken" }?.text : nil
        } while token != nil
        return names
    }

    /// Creates the bucket if it does not exist (for `silo server` against a fresh store).
    func ensureBucket() async throws {
        let head = try await execute(request(.HEAD, path: "/\(location.bucket)"))
        if head.status == .ok { return }
        let response = try await execute(request(.PUT, path: "/\(location.bucket)"))
        _ = try await response.body.collect(upTo: 64 << 10)
        guard response.status == .ok || response.status == .conflict else {
            throw await failure(response, "create bucket \(location.bucket)")
        }
    }
}

public struct S3Failure: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let status: Int
    public let body: String

    static func missing(_ name: String) -> S3Failure { S3Failure(operation: "GET \(name)", status: 404, body: "") }

    public var description: String { "S3 \(operation) failed with \(status): \(body)" }
}
