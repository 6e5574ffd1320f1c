import Hummingbird
import NIOCore
import SiloCore
import SiloDomain

enum ServiceHandlers {
    static func listBuckets(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let prefix = call.query["prefix"] ?? ""
        let marker = call.query["marker"] ?? ""
        let maxKeys = try Listing.maxKeys(call.query, name: "max-keys", default: 100)
        var tag: BucketService.TagFilter?
        if let key = call.query.nonEmpty("tag-key") {
            tag = BucketService.TagFilter(key: key, value: call.query["tag-value"])
        } else if call.query.contains("tag-value") {
            throw OSSError.invalidArgument("tag-value needs tag-key.", name: "tag-value", value: call.query["tag-value"])
        }
        let (page, truncated) = try await oss.domain.buckets.list(prefix: prefix, after: marker, limit: maxKeys, tag: tag)
        let settings = oss.settings
        return Responses.xml(ListAllMyBucketsResult(
            prefix: prefix, marker: marker, maxKeys: maxKeys, nextMarker: truncated ? page.last?.name : nil,
            owner: settings.owner,
            buckets: page.map {
                BucketSummary(name: $0.name, creationDate: $0.createdAt, storageClass: $0.storageClass, location: settings.location)
            }))
    }

    /// The PEM that `x-oss-pub-key-url` points to.
    static func callbackPublicKey(_ oss: OSSFrontEnd) -> Response {
        guard let pem = oss.domain.callbacks.publicKeyPEM else {
            return Responses.error(OSSError(status: 404, code: "NoSuchKey", message: "Callbacks are not configured."),
                                   request: nil, requestId: RequestIdentifier.make(), isHead: false)
        }
        var buffer = ByteBuffer()
        buffer.writeString(pem)
        return Response(status: .ok, headers: [.contentType: "application/x-pem-file", .cacheControl: "max-age=3600"],
                        body: .init(byteBuffer: buffer))
    }
}

/// Shared parsing of listing parameters.
enum Listing {
    static func maxKeys(_ query: QueryParameters, name: String, default defaultValue: Int, maximum: Int = 1000) throws -> Int {
        guard let text = query.nonEmpty(name) else { return defaultValue }
        guard let value = Int(text), value >= 1, value <= maximum else {
            throw OSSError.invalidArgument("\(name) must be an integer between 1 and \(maximum).", name: name, value: text)
        }
        return value
    }

    static func encodingType(_ query: QueryParameters) throws -> EncodingType? {
        guard let value = query.nonEmpty("encoding-type") else { return nil }
        guard let encoding = EncodingType(query: value) else {
            throw OSSError.invalidArgument("The encoding-type must be url.", name: "encoding-type", value: value)
        }
        return encoding
    }
}
