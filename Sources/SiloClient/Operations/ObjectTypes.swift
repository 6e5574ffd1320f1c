import Foundation
import HTTPTypes
import SiloCore

/// Options of a write that creates an object (put, initiate, copy with REPLACE). Codable: the transfer manager
/// keeps them with a queued upload across launches.
public struct ObjectOptions: Sendable, Codable {
    /// Defaults to a type guessed from the key's extension, as the Alibaba SDKs do.
    public var contentType: String?
    public var metadata: [String: String] = [:]
    public var acl: ObjectACL?
    public var storageClass: StorageClass?
    public var cacheControl: String?
    public var contentDisposition: String?
    /// Refuse to replace an existing object (`x-oss-forbid-overwrite`).
    public var forbidOverwrite = false
    /// Any other header, sent as is.
    public var extraHeaders: [String: String] = [:]
    /// Where the service reports the stored object (spec §13); sent with the write that creates the object
    /// (a put, or a multipart upload's complete). The app server's answer comes back in `WriteResult.callbackBody`.
    public var callback: CallbackConfiguration?
    /// Custom `${x:name}` values for the callback body; names start with `x:`.
    public var callbackVariables: [String: String] = [:]

    public init(contentType: String? = nil, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.metadata = metadata
    }

    /// The callback headers alone, for CompleteMultipartUpload.
    func applyCallback(to request: inout ClientRequest) {
        guard let callback else { return }
        request.setHeader("x-oss-callback", callback.base64)
        if !callbackVariables.isEmpty {
            request.setHeader("x-oss-callback-var", CallbackConfiguration.encodeVariables(callbackVariables))
        }
    }

    /// The headers of a write that creates an object; `callback` is false for InitiateMultipartUpload, whose
    /// object appears only at the complete.
    func apply(to request: inout ClientRequest, key: String, callback includeCallback: Bool = true) {
        request.setHeader("Content-Type", contentType ?? MimeTypes.forKey(key))
        for (name, value) in metadata { request.setHeader("x-oss-meta-" + name.lowercased(), value) }
        if let acl { request.setHeader("x-oss-object-acl", acl.rawValue) }
        if let storageClass { request.setHeader("x-oss-storage-class", storageClass.rawValue) }
        if let cacheControl { request.setHeader("Cache-Control", cacheControl) }
        if let contentDisposition { request.setHeader("Content-Disposition", contentDisposition) }
        if forbidOverwrite { request.setHeader("x-oss-forbid-overwrite", "true") }
        for (name, value) in extraHeaders { request.setHeader(name, value) }
        if includeCallback { applyCallback(to: &request) }
    }
}

/// What a write returns.
public struct WriteResult: Sendable, Hashable {
    public var etag: String
    public var crc64: UInt64?
    public var requestId: String
    /// For appends: where the next append starts.
    public var nextAppendPosition: Int64?
    /// The body of an upload callback's answer, when one was configured.
    public var callbackBody: Data?

    init(_ response: TransportResponse, body: Data? = nil) {
        etag = ObjectInfo.unquote(response.header("ETag") ?? "")
        crc64 = response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        requestId = response.requestId
        nextAppendPosition = response.header("x-oss-next-append-position").flatMap { Int64($0) }
        callbackBody = body.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// An object's metadata, from HEAD or a GET's headers.
public struct ObjectInfo: Sendable, Hashable {
    public var size: Int64
    public var etag: String
    public var contentType: String?
    public var lastModified: Date?
    public var crc64: UInt64?
    /// `Normal`, `Multipart` or `Appendable`.
    public var objectType: String?
    public var metadata: [String: String]
    public var requestId: String

    init(_ response: TransportResponse) {
        let head = response.head.headerFields
        size = head[.contentLength].flatMap { Int64($0) } ?? 0
        if let range = response.header("Content-Range"), let total = range.split(separator: "/").last.flatMap({ Int64($0) }) {
            size = total
        }
        etag = Self.unquote(response.header("ETag") ?? "")
        contentType = head[.contentType]
        lastModified = response.header("Last-Modified").flatMap { Timestamps.parseRFC1123($0) }
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
        crc64 = response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        objectType = response.header("x-oss-object-type")
        var metadata: [String: String] = [:]
        for field in head where field.name.canonicalName.hasPrefix("x-oss-meta-") {
            metadata[String(field.name.canonicalName.dropFirst("x-oss-meta-".count))] = field.value
        }
        self.metadata = metadata
        requestId = response.requestId
    }

    static func unquote(_ etag: String) -> String {
        etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
    }
}

/// A byte range to read: `bytes=lower-upper` (inclusive), or from `lower` to the end.
public struct ByteRangeSpec: Sendable, Hashable {
    public var lower: Int64
    public var upper: Int64?

    public init(_ range: ClosedRange<Int64>) {
        lower = range.lowerBound
        upper = range.upperBound
    }

    public init(from lower: Int64) {
        self.lower = lower
        upper = nil
    }

    var header: String { "bytes=\(lower)-" + (upper.map(String.init) ?? "") }
}

/// A streamed download: the object's metadata now, its bytes as you read them.
public struct ObjectStream: Sendable {
    public var info: ObjectInfo
    public var bytes: ByteStream
}
