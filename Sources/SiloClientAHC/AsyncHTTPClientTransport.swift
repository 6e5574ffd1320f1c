import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SiloClient

/// The AsyncHTTPClient transport: streaming both ways with backpressure, the default on Linux.
public final class AsyncHTTPClientTransport: Transport {
    private let client: HTTPClient
    private let shutDownLock = NSLock()
    nonisolated(unsafe) private var isShutDown = false

    /// `additionalTrustRootsPEMFile` adds certificate authorities (a development CA, an internal one) to the
    /// system's for HTTPS; the chain is always verified.
    public init(configuration: ClientConfiguration = ClientConfiguration(), additionalTrustRootsPEMFile: String? = nil) {
        var settings = HTTPClient.Configuration()
        if let file = additionalTrustRootsPEMFile, !file.isEmpty {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(file)]
            settings.tlsConfiguration = tls
        }
        settings.timeout = .init(connect: Self.amount(configuration.connectionTimeout),
                                 read: Self.amount(configuration.socketTimeout))
        settings.connectionPool = .init(idleTimeout: .seconds(60),
                                        concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.maxConcurrentRequests))
        settings.decompression = .disabled
        settings.redirectConfiguration = .disallow
        // The SDK records no spans, and AsyncHTTPClient builds a span's attributes for every request even for
        // the no-op tracer (a fortieth of an app server's CPU per vended token).
        settings.tracing.tracer = nil
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let head = request.head
        guard let scheme = head.scheme, let authority = head.authority, let path = head.path else {
            throw TransportError("request without scheme, authority or path")
        }
        var outgoing = HTTPClientRequest(url: scheme + "://" + authority + path)
        outgoing.method = HTTPMethod(rawValue: head.method.rawValue)
        for field in head.headerFields where field.name != .contentLength {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if let length = request.body.length, length == 0 {
            if head.method == .put || head.method == .post { outgoing.body = .bytes(ByteBuffer()) }
        } else if case .data(let data) = request.body {
            // In memory already: one write with the head. A streamed body that the server answers early (an
            // error before it reads the body) makes AsyncHTTPClient fail the response with bodyLengthMismatch,
            // losing the error document.
            outgoing.body = .bytes(ByteBuffer(data: data))
            request.onBytesSent?(Int64(data.count))
        } else {
            let chunks = BufferSequence(stream: try request.body.makeStream(), onBytesSent: request.onBytesSent)
            outgoing.body = .stream(chunks, length: request.body.length.map { .known($0) } ?? .unknown)
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, deadline: .distantFuture)
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw TransportError(String(describing: error), cause: AsyncHTTPClientErrors.cause(of: error))
        }
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let iterator = IteratorBox(response.body.makeAsyncIterator())
        let body = ByteStream {
            do {
                return try await iterator.next().map { Data(buffer: $0, byteTransferStrategy: .noCopy) }
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw TransportError("response body: \(error)", cause: AsyncHTTPClientErrors.cause(of: error))
            }
        }
        return TransportResponse(head: HTTPResponse(status: .init(code: Int(response.status.code)), headerFields: fields),
                                 body: body)
    }

    public func shutdown() async throws {
        guard markShutDown() else { return }
        try await client.shutdown()
    }

    /// A transport dropped without `shutdown()` still releases its connections (AsyncHTTPClient would
    /// otherwise stop the process).
    deinit {
        if markShutDown() { client.shutdown(queue: .global()) { _ in } }
    }

    private func markShutDown() -> Bool {
        shutDownLock.lock()
        defer { shutDownLock.unlock() }
        defer { isShutDown = true }
        return !isShutDown
    }

    private static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}

/// A request body as AsyncHTTPClient wants it, reporting each chunk as it is taken.
private struct BufferSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let stream: ByteStream
    let onBytesSent: (@Sendable (Int64) -> Void)?

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: ByteStream.AsyncIterator
        let onBytesSent: (@Sendable (Int64) -> Void)?

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            onBytesSent?(Int64(chunk.count))
            return ByteBuffer(data: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: stream.makeAsyncIterator(), onBytesSent: onBytesSent) }
}

/// The response body is read by one consumer at a time.
private final class IteratorBox: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
