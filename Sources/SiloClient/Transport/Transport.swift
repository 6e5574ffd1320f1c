import Foundation
import HTTPTypes

/// What a request sends. Every case but `stream` can be replayed, so only those requests are retried.
public enum RequestBody: Sendable {
    case empty
    case data(Data)
    /// `length` bytes of a file from `offset`, read as they are sent.
    case file(URL, offset: Int64, length: Int64)
    /// A one-shot producer; `length` nil means chunked transfer.
    case stream(ByteStream, length: Int64?)

    public var length: Int64? {
        switch self {
        case .empty: return 0
        case .data(let data): return Int64(data.count)
        case .file(_, _, let length): return length
        case .stream(_, let length): return length
        }
    }

    public var isReplayable: Bool {
        if case .stream = self { return false }
        return true
    }

    /// The body as a fresh stream of chunks.
    public func makeStream() throws -> ByteStream {
        switch self {
        case .empty: return .empty
        case .data(let data): return .data(data)
        case .file(let url, let offset, let length): return try .file(url, offset: offset, length: length)
        case .stream(let stream, _): return stream
        }
    }
}

public struct TransportRequest: Sendable {
    /// Method, scheme, authority and the already-encoded path with its query.
    public var head: HTTPRequest
    public var body: RequestBody
    /// Called with the count of each chunk handed to the network.
    public var onBytesSent: (@Sendable (Int64) -> Void)?
    /// Called with the count of each chunk a file download wrote (`Transport.download(_:to:)`) and the body's
    /// announced length, when known.
    public var onBytesReceived: (@Sendable (_ count: Int64, _ expected: Int64?) -> Void)?

    public init(head: HTTPRequest, body: RequestBody, onBytesSent: (@Sendable (Int64) -> Void)? = nil) {
        self.head = head
        self.body = body
        self.onBytesSent = onBytesSent
    }
}

public struct TransportResponse: Sendable {
    public var head: HTTPResponse
    public var body: ByteStream

    public init(head: HTTPResponse, body: ByteStream) {
        self.head = head
        self.body = body
    }
}

/// Moves one request and its response. Implementations: `URLSessionTransport` (Apple platforms) and
/// `AsyncHTTPClientTransport` in `SiloClientAHC` (the default on Linux). Timeouts come from the client's
/// configuration, which a transport receives when it is created.
public protocol Transport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
    /// Whether the SDK's part downloads should land in files the transport writes (`download(_:to:)`) instead of
    /// streaming through the app: true for URLSession, whose download tasks write to disk themselves (memory
    /// stays flat) and are what a background session runs.
    var downloadsToFiles: Bool { get }
    /// Whether the transport sends a `.file` body itself, from the file (URLSession's upload tasks), rather than
    /// as the chunks of `RequestBody.makeStream()`. When it does not, the SDK sums the chunks as they go out
    /// instead of reading the file a second time.
    var uploadsFromFiles: Bool { get }
    /// Sends the request and writes the response body, whatever the status, to `file` (replaced).
    func download(_ request: TransportRequest, to file: URL) async throws -> HTTPResponse
    /// Releases connections; the client calls it from `shutdown()`.
    func shutdown() async throws
}

extension Transport {
    public var downloadsToFiles: Bool { false }
    public var uploadsFromFiles: Bool { false }

    public func download(_ request: TransportRequest, to file: URL) async throws -> HTTPResponse {
        let response = try await send(request)
        try await response.body.write(to: file)
        return response.head
    }

    public func shutdown() async throws {}
}

/// A failure below HTTP: connect, reset, timeout. Always safe to retry for a replayable, idempotent request.
/// Transports say why (`cause`) when they can tell.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var cause: NetworkFailure.Cause
    public init(_ message: String, cause: NetworkFailure.Cause = .other) {
        self.message = message
        self.cause = cause
    }
    public var description: String { message }
    var failure: NetworkFailure { NetworkFailure(cause, message) }
}
