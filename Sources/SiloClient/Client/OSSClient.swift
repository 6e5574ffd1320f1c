import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import SiloCore

/// A client of an OSS-compatible service: Silo, or Alibaba Cloud OSS itself.
///
/// ```swift
/// let client = OSSClient(
///     endpoint: URL(string: "https://oss.example.com")!, region: "cn-hangzhou",
///     credentials: AuthServerCredentialsProvider(url: tokenURL, transport: transport),
///     transport: transport)
/// try await client.bucket("photos").put("users/42/cat.jpg", data: jpeg)
/// ```
public final class OSSClient: Sendable {
    public let endpoint: URL
    public let region: String
    public let configuration: ClientConfiguration
    public let credentials: any CredentialsProvider
    let transport: any Transport
    let clock = SkewCorrectedClock()
    private let limiter: AsyncSemaphore
    private let handler: Handler

    public init(endpoint: URL, region: String, credentials: any CredentialsProvider,
                configuration: ClientConfiguration = ClientConfiguration(), transport: any Transport,
                middlewares: [any ClientMiddleware] = []) {
        self.endpoint = endpoint
        self.region = region
        self.configuration = configuration
        self.credentials = credentials
        self.transport = transport
        let limiter = AsyncSemaphore(permits: max(1, configuration.maxConcurrentRequests))
        self.limiter = limiter
        var chain: [any ClientMiddleware] = [
            RetryMiddleware(maxRetries: configuration.maxRetries, baseDelay: configuration.retryBaseDelay,
                            maxDelay: configuration.maxRetryDelay),
        ]
        chain += middlewares
        // The slot is taken before signing: a request that waits for one must not go out with credentials (or a
        // timestamp) that aged while it waited.
        chain.append(LimiterMiddleware(limiter: limiter))
        chain.append(SigningMiddleware(provider: credentials, version: configuration.signatureVersion, region: region,
                                       clock: clock))
        if configuration.checksumValidation {
            chain.append(ChecksumMiddleware(sumsFilesBeside: transport.uploadsFromFiles))
        }
        if configuration.log != nil || configuration.logHandler != nil {
            let line = configuration.log
            let handler = configuration.logHandler
            chain.append(LoggingMiddleware { entry in
                line?(entry.line)
                handler?(entry)
            })
        }
        let terminal = Terminal(endpoint: endpoint, addressing: configuration.addressing,
                                userAgent: configuration.userAgent, transport: transport, clock: clock)
        handler = chain.chain(to: terminal.send)
    }

    /// A client on URLSession (the platform's own HTTP stack) configured from `configuration` alone: one place sets
    /// the connection limit and timeouts for both the client and its transport. `sessionConfiguration` carries the
    /// app's network settings (cellular access, `waitsForConnectivity`, proxies).
    public convenience init(endpoint: URL, region: String, credentials: any CredentialsProvider,
                            configuration: ClientConfiguration = ClientConfiguration(),
                            sessionConfiguration: URLSessionConfiguration = .ephemeral,
                            middlewares: [any ClientMiddleware] = []) {
        self.init(endpoint: endpoint, region: region, credentials: credentials, configuration: configuration,
                  transport: URLSessionTransport(configuration: configuration, sessionConfiguration: sessionConfiguration),
                  middlewares: middlewares)
    }

    /// A handle on one bucket; cheap, make as many as you like.
    public func bucket(_ name: String) -> Bucket { Bucket(client: self, name: name) }

    /// Runs a request through the middleware chain. Non-2xx answers throw `OSSClientError.server`.
    public func send(_ request: ClientRequest) async throws -> TransportResponse {
        do {
            return try await handler(request)
        } catch {
            throw RetryMiddleware.map(error)
        }
    }

    /// Sends and reads the whole (small) response body.
    func sendForData(_ request: ClientRequest, limit: Int = 16 << 20) async throws -> (TransportResponse, Data) {
        let response = try await send(request)
        do {
            return (response, try await response.body.collect(upTo: limit))
        } catch {
            throw RetryMiddleware.map(error)
        }
    }

    func sendForXML<T: Decodable>(_ request: ClientRequest, as type: T.Type) async throws -> (TransportResponse, T) {
        let (response, data) = try await sendForData(request)
        do {
            return (response, try XMLResponse.decode(T.self, from: data))
        } catch {
            throw OSSClientError.invalidResponse("cannot parse \(T.self): \(error)")
        }
    }

    /// Closes the transport's connections.
    public func shutdown() async throws { try await transport.shutdown() }

    // MARK: service-level operations

    public func listBuckets(prefix: String? = nil) async throws -> [BucketSummary] {
        var buckets: [BucketSummary] = []
        var marker: String?
        repeat {
            var query = QueryParameters()
            if let prefix { query.append("prefix", prefix) }
            if let marker { query.append("marker", marker) }
            query.append("max-keys", "1000")
            let (_, page) = try await sendForXML(ClientRequest(method: .get, query: query), as: ListAllMyBucketsResult.self)
            buckets += page.buckets
            marker = page.nextMarker
        } while marker != nil
        return buckets
    }

    /// The URL of a resource, path-style or virtual-hosted as configured.
    func url(bucket: String?, key: String?, query: QueryParameters) -> (authority: String, path: String, scheme: String) {
        Terminal.address(endpoint: endpoint, addressing: configuration.addressing, bucket: bucket, key: key, query: query)
    }
}

/// Bounds the requests on the wire. The slot is held until the response body is read out (or dropped), so a
/// slow reader counts against the limit too.
private struct LimiterMiddleware: ClientMiddleware {
    let limiter: AsyncSemaphore

    func handle(_ request: ClientRequest, next: Handler) async throws -> TransportResponse {
        do {
            try await limiter.acquire()
        } catch {
            throw OSSClientError.cancelled
        }
        let permit = Permit(limiter)
        var response: TransportResponse
        do {
            response = try await next(request)
        } catch {
            permit.release()
            throw error
        }
        let body = response.body
        response.body = ByteStream {
            do {
                var iterator = body.makeAsyncIterator()
                let chunk = try await iterator.next()
                if chunk == nil { permit.release() }
                return chunk
            } catch {
                permit.release()
                throw RetryMiddleware.map(error)
            }
        }
        return response
    }
}

/// The innermost step: address, send, and turn error answers into `OSSClientError`.
private struct Terminal: Sendable {
    let endpoint: URL
    let addressing: ClientConfiguration.Addressing
    let userAgent: String
    let transport: any Transport
    let clock: SkewCorrectedClock

    static func usesPathStyle(_ endpoint: URL, _ addressing: ClientConfiguration.Addressing) -> Bool {
        switch addressing {
        case .pathStyle: return true
        case .virtualHosted: return false
        case .automatic:
            let host = endpoint.host ?? ""
            let isIPv4 = host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
            return isIPv4 || host == "localhost" || host.contains(":")
        }
    }

    static func address(endpoint: URL, addressing: ClientConfiguration.Addressing, bucket: String?, key: String?,
                        query: QueryParameters) -> (authority: String, path: String, scheme: String) {
        let host = endpoint.host ?? "localhost"
        let hostPort = endpoint.port.map { "\(host):\($0)" } ?? host
        let encodedKey = key.map { PercentEncoding.encode($0, keepSlash: true) } ?? ""
        var authority = hostPort
        var path: String
        if let bucket, !bucket.isEmpty {
            if usesPathStyle(endpoint, addressing) {
                path = "/" + bucket + "/" + encodedKey
            } else {
                authority = bucket + "." + hostPort
                path = "/" + encodedKey
            }
        } else {
            path = "/"
        }
        if !query.isEmpty { path += "?" + query.encoded }
        return (authority, path, endpoint.scheme ?? "https")
    }

    @Sendable func send(_ request: ClientRequest) async throws -> TransportResponse {
        let address = Self.address(endpoint: endpoint, addressing: addressing, bucket: request.bucket, key: request.key,
                                   query: request.query)
        var head = HTTPRequest(method: request.method, scheme: address.scheme, authority: address.authority,
                               path: address.path, headerFields: request.headers)
        head.headerFields[.userAgent] = userAgent
        if let length = request.body.length, request.method != .get, request.method != .head {
            head.headerFields[.contentLength] = String(length)
        }
        let response: TransportResponse
        do {
            var outgoing = TransportRequest(head: head, body: request.body, onBytesSent: request.onBytesSent)
            outgoing.onBytesReceived = request.onBytesReceived
            if let destination = request.downloadDestination {
                let answer = try await transport.download(outgoing, to: destination)
                response = TransportResponse(head: answer, body: try .file(destination))
            } else {
                response = try await transport.send(outgoing)
            }
        } catch {
            throw RetryMiddleware.map(error)
        }
        // 203 is OSS's "stored, but the upload callback failed" (CallbackFailed): an error to the caller.
        guard (200..<300).contains(response.head.status.code), response.head.status.code != 203 else {
            throw await serverError(response, method: request.method)
        }
        return response
    }

    private func serverError(_ response: TransportResponse, method: HTTPRequest.Method) async -> OSSClientError {
        let status = response.head.status.code
        var data = (try? await response.body.collect(upTo: 1 << 20)) ?? Data()
        if data.isEmpty, let encoded = response.header("x-oss-err"), let decoded = Data(base64Encoded: encoded) {
            data = decoded  // HEAD answers carry the error document in a header
        }
        // The admin API answers its failures as JSON; the OSS API as XML.
        if response.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let failure = try? JSONDecoder().decode(AdminFailure.self, from: data) {
            return .server(status: status, code: failure.code, message: failure.message,
                           requestId: failure.requestId.isEmpty ? response.requestId : failure.requestId, ec: nil)
        }
        let document = try? XMLResponse.decode(ErrorResponse.self, from: data)
        let code = document?.code ?? Self.fallbackCode(status: status)
        if code == "RequestTimeTooSkewed", let date = response.header("Date") { clock.correct(serverDate: date) }
        return .server(status: status, code: code, message: document?.message ?? "HTTP \(status)",
                       requestId: document?.requestId ?? response.requestId,
                       ec: document?.ec ?? response.header("x-oss-ec"))
    }

    static func fallbackCode(status: Int) -> String {
        switch status {
        case 304: return "NotModified"
        case 403: return "AccessDenied"
        case 404: return "NotFound"
        case 412: return "PreconditionFailed"
        default: return "HTTP\(status)"
        }
    }
}
