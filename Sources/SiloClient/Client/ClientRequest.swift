import Foundation
import HTTPTypes
import SiloCore

/// One OSS operation on its way through the middleware chain, before it has a URL or a signature.
public struct ClientRequest: Sendable {
    public enum Checksum: Sendable, Hashable {
        case none
        /// Compare the response's `x-oss-hash-crc64ecma` with the CRC of the body sent, continued from
        /// `initial` (an append continues the object's CRC).
        case upload(initial: UInt64)
        /// Compare the CRC of the whole response body with its header.
        case download
    }

    public var method: HTTPRequest.Method
    public var bucket: String?
    public var key: String?
    public var query: QueryParameters
    public var headers: HTTPFields
    public var body: RequestBody
    /// Safe to send twice: retried on network errors, 5xx, clock skew and expired credentials.
    public var idempotent: Bool
    public var checksum: Checksum
    public var onBytesSent: (@Sendable (Int64) -> Void)?
    /// When set, the response body lands in this file through the transport's `download(_:to:)`, and the
    /// response's body reads it back from there.
    public var downloadDestination: URL?
    /// Called with the count of each chunk written to `downloadDestination`.
    public var onBytesReceived: (@Sendable (_ count: Int64, _ expected: Int64?) -> Void)?
    /// 0 for the first try; set by the retry middleware.
    public internal(set) var attempt = 0

    public init(method: HTTPRequest.Method, bucket: String? = nil, key: String? = nil, query: QueryParameters = .init(),
                headers: HTTPFields = [:], body: RequestBody = .empty, idempotent: Bool = true,
                checksum: Checksum = .none, onBytesSent: (@Sendable (Int64) -> Void)? = nil) {
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
        self.body = body
        self.idempotent = idempotent
        self.checksum = checksum
        self.onBytesSent = onBytesSent
    }

    public func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        guard let fieldName = HTTPField.Name(name) else { return }
        headers[fieldName] = value
    }
}

extension TransportResponse {
    public func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { head.headerFields[$0] }
    }

    var requestId: String { header("x-oss-request-id") ?? "" }
}
