import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request a server makes on someone else's behalf (an upload callback, a key fetch, a webhook).
public struct OutboundRequest: Sendable {
    public var url: URL
    public var method: HTTPMethod
    public var headers: HTTPHeaders
    public var body: ByteBuffer?
    /// The TLS server name to send and verify the certificate against; nil means the URL's host.
    public var tlsServerName: String?

    public init(url: URL, method: HTTPMethod = .GET, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
                tlsServerName: String? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.tlsServerName = tlsServerName
    }
}

public struct OutboundResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
}

public enum OutboundError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL is not one this client calls (scheme, host, or an address the policy forbids).
    case refused(String)
    case unresolved(String)
    case connectionFailed(String)
    case timedOut
    case responseTooLarge
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .refused(let why): return "refused: \(why)"
        case .unresolved(let host): return "\(host) does not resolve"
        case .connectionFailed(let why): return "connection failed: \(why)"
        case .timedOut: return "timed out"
        case .responseTooLarge: return "the response is too large"
        case .invalidResponse(let why): return "invalid response: \(why)"
        }
    }
}

/// A deliberately small HTTP/1.1 client for requests whose destination an untrusted party chose.
///
/// Unlike a general client it never follows a redirect (a 3xx is just an answer), connects only to an address
/// the `OutboundPolicy` checked (so DNS cannot change between the check and the connection), verifies TLS
/// certificates against the URL's name while connecting by address, bounds the response it reads, and
/// gives the whole exchange one deadline.
public struct OutboundHTTPClient: Sendable {
    public let policy: OutboundPolicy
    let group: any EventLoopGroup
    let tls: NIOSSLContext?
    let resolve: @Sendable (String) async -> [[UInt8]]

    /// - Parameters:
    ///   - tlsConfiguration: nil uses the system's trust roots with full verification.
    ///   - resolve: name resolution (tests substitute one to play DNS tricks).
    public init(policy: OutboundPolicy, tlsConfiguration: TLSConfiguration? = nil,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                resolve: @escaping @Sendable (String) async -> [[UInt8]] = OutboundPolicy.systemResolve) {
        self.policy = policy
        self.group = group
        self.tls = try? NIOSSLContext(configuration: tlsConfiguration ?? .makeClientConfiguration())
        self.resolve = resolve
    }

    /// Checks where `url` leads without calling it: refused, unresolved, or the addresses that passed.
    public func evaluate(_ url: URL) async -> OutboundPolicy.Verdict {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .refused("is not an http(s) URL")
        }
        guard url.user == nil, url.password == nil else { return .refused("carries credentials") }
        guard let host = url.host, !host.isEmpty else { return .refused("has no host") }
        return await policy.evaluate(host: host, port: Self.port(url), resolve: resolve)
    }

    static func port(_ url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }

    public func execute(_ request: OutboundRequest, timeout: Duration, maxResponseBytes: Int) async throws(OutboundError)
        -> OutboundResponse
    {
        let deadline = ContinuousClock.now + timeout
        let url = request.url
        let addresses: [[UInt8]]
        switch await evaluate(url) {
        case .refused(let why): throw .refused("\(url.host ?? "the URL") \(why)")
        case .unresolved: throw .unresolved(url.host ?? "")
        case .allowed(let checked): addresses = checked
        }
        let host = OutboundPolicy.bareHost(url.host ?? "")
        let isTLS = url.scheme?.lowercased() == "https"
        if isTLS && tls == nil { throw .connectionFailed("TLS is unavailable") }
        var lastFailure = OutboundError.connectionFailed("no address")
        // Each checked address in turn, until one accepts the connection.
        for address in addresses {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timedOut }
            let socketAddress: SocketAddress
            do {
                socketAddress = try Self.socketAddress(address, port: Self.port(url))
            } catch {
                continue
            }
            do {
                return try await exchange(request, at: socketAddress, host: host, isTLS: isTLS, remaining: remaining,
                                          maxResponseBytes: maxResponseBytes)
            } catch let error as OutboundError {
                if case .connectionFailed = error {
                    lastFailure = error
                    continue
                }
                throw error
            } catch {
                lastFailure = .connectionFailed("\(error)")
            }
        }
        // A connection attempt cut short by the deadline is a timeout, whatever NIO called it.
        if ContinuousClock.now >= deadline { throw .timedOut }
        throw lastFailure
    }

    static func socketAddress(_ bytes: [UInt8], port: Int) throws -> SocketAddress {
        if bytes.count == 4 {
            return try SocketAddress(ipAddress: bytes.map(String.init).joined(separator: "."), port: port)
        }
        let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return try SocketAddress(ipAddress: groups.joined(separator: ":"), port: port)
    }

    private func exchange(_ request: OutboundRequest, at address: SocketAddress, host: String, isTLS: Bool,
                          remaining: Duration, maxResponseBytes: Int) async throws -> OutboundResponse {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: OutboundResponse.self)
        let collector = ResponseCollector(promise: promise, maxBytes: maxResponseBytes)
        let serverName = request.tlsServerName ?? host
        let tls = self.tls
        let connectTimeout = TimeAmount.nanoseconds(Int64(remaining.components.seconds) * 1_000_000_000
            + Int64(remaining.components.attoseconds / 1_000_000_000))
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if isTLS, let tls {
                        // SNI and certificate verification use the name, the connection the checked address.
                        let name = serverName.isIPAddressLiteral ? nil : serverName
                        try sync.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(collector)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            promise.fail(OutboundError.connectionFailed("\(error)"))
            throw OutboundError.connectionFailed("\(error)")
        }
        // One deadline for the whole exchange: a server that trickles its answer is cut off.
        let timer = eventLoop.scheduleTask(in: connectTimeout) {
            promise.fail(OutboundError.timedOut)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }

        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: Self.target(request.url))
        head.headers = request.headers
        if !head.headers.contains(name: "Host") {
            let port = Self.port(request.url)
            let defaultPort = isTLS ? 443 : 80
            let hostValue = host.contains(":") ? "[\(host)]" : host
            head.headers.add(name: "Host", value: port == defaultPort ? hostValue : "\(hostValue):\(port)")
        }
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        if let body = request.body {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        } else if request.method == .POST || request.method == .PUT {
            head.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body = request.body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    /// The request target: the URL's path (as percent-encoded in the URL) and query.
    static func target(_ url: URL) -> String {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var path = components?.percentEncodedPath ?? "/"
        if path.isEmpty { path = "/" }
        if let query = components?.percentEncodedQuery { path += "?" + query }
        return path
    }
}

extension String {
    var isIPAddressLiteral: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}

/// Collects one response, failing when it grows past `maxBytes` or the connection ends early.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<OutboundResponse>
    let maxBytes: Int
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<OutboundResponse>, maxBytes: Int) {
        self.promise = promise
        self.maxBytes = maxBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 1xx interim answers (100 Continue) are skipped.
            if head.status.code >= 100 && head.status.code < 200 { return }
            self.head = head
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= maxBytes else {
                promise.fail(OutboundError.responseTooLarge)
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else {
                promise.fail(OutboundError.invalidResponse("no status line"))
                return
            }
            promise.succeed(OutboundResponse(status: head.status, headers: head.headers, body: body))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOSSLError || error is BoringSSLError {
            promise.fail(OutboundError.connectionFailed("TLS: \(error)"))
        } else {
            promise.fail(OutboundError.invalidResponse("\(error)"))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(OutboundError.invalidResponse("the connection closed before the response ended"))
        context.fireChannelInactive()
    }
}
