import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SiloCore
import SiloDomain
import SiloStorage

/// PostObject (spec §12): a browser form upload. The credentials, the signed policy and the object's headers
/// are form fields; the file is the last part and streams straight into storage. The fields before it are
/// bounded (`FormDataReader`), the form is authenticated by the same `Authenticator` as every request, and the
/// key is authorized before the file is read.
enum PostObjectHandler {
    static let maxObjectBytes: Int64 = 5 << 30

    /// Form fields that are not object headers.
    static let controlFields: Set<String> = [
        "key", "policy", "signature", "ossaccesskeyid", "file", "callback", "success_action_status",
        "success_action_redirect", "x-oss-signature", "x-oss-credential", "x-oss-date", "x-oss-signature-version",
        "x-oss-security-token", "content-type", "x-oss-content-type",
    ]

    static func post(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bucket = call.bucket!
        guard let boundary = FormDataReader.boundary(contentType: call.request.header(.contentType)) else {
            throw FormDataReader.malformed("No boundary in Content-Type.")
        }
        let reader = FormDataReader(body: call.body, boundary: boundary)
        let (fields, fileContentType) = try await reader.readFields()
        var form: [String: String] = [:]
        for field in fields { form[field.name.lowercased()] = field.value }
        guard let key = form["key"], !key.isEmpty else {
            throw OSSError.invalidArgument("Bucket POST must contain a field named 'key'.", name: "key")
        }
        try Names.validateObjectKey(key)

        // The form fields play the part of PutObject's headers.
        var headers = HTTPFields()
        for field in fields {
            let name = field.name.lowercased()
            guard let fieldName = HTTPField.Name(name), !name.hasPrefix("x:"), !controlFields.contains(name) else { continue }
            headers.append(HTTPField(name: fieldName, value: field.value))
        }
        if let type = form["x-oss-content-type"] ?? form["content-type"] ?? fileContentType, !type.isEmpty {
            headers[.contentType] = type
        } else {
            headers[.contentType] = MimeTypes.forKey(key)
        }
        let objectRequest = OSSRequest(method: .post, host: call.request.host, bucket: bucket.name, key: key,
                                       query: QueryParameters(), headers: headers, requestId: call.request.requestId)

        let principal = try await oss.authenticator.authenticate(form: form)
        let caller = call.caller.acting(as: principal)
        let existing = caller.isAnonymous ? try await oss.metadata.object(bucket: bucket.name, key: key) : nil
        try await oss.access.authorize(caller, action: call.route.action, scope: call.route.scope, bucket: bucket, key: key,
                                       object: existing, values: call.route.conditionValues(objectRequest))
        for extra in [OSSRoute.setsObjectACL, OSSRoute.setsObjectTags] where objectRequest.header(extra.header) != nil {
            try await oss.access.authorize(caller, action: extra.action, scope: .none, bucket: bucket, key: key,
                                           object: existing, values: call.route.conditionValues(objectRequest))
        }
        var attributes = try RequestHeaders.attributes(objectRequest)
        attributes.headers.serverSideEncryption = try RequestHeaders.encryption(objectRequest, bucket: bucket)

        // The policy's conditions on fields are checked now; its length range while the file streams.
        var range: ClosedRange<Int64> = 0...maxObjectBytes
        if let policyText = form["policy"], !policyText.isEmpty {
            let policy = try PostPolicy(base64: policyText)
            var checked = form
            checked["bucket"] = bucket.name
            try policy.check(fields: checked, contentLength: nil, now: oss.settings.clock())
            for case .contentLengthRange(let low, let high) in policy.conditions {
                range = max(range.lowerBound, low)...min(range.upperBound, high)
            }
        }

        var callback: UploadCallback?
        if let encoded = form["callback"], !encoded.isEmpty {
            let variables = fields.filter { $0.name.lowercased().hasPrefix("x:") }
                .reduce(into: [String: String]()) { $0[$1.name.lowercased()] = $1.value }
            callback = try await UploadCallback.parse(configuration: encoded, formVariables: variables,
                                                      settings: oss.domain.callbacks.settings)
        }

        let file = LengthCheckedStream(base: FormFileStream(reader: reader), range: range)
        let record = try await oss.domain.objects.put(
            bucket: bucket, key: key, body: file, expectedLength: nil, contentMD5: nil, attributes: attributes,
            forbidOverwrite: RequestHeaders.forbidOverwrite(objectRequest))
        var fieldsOut = ObjectWriteHandlers.writeHeaders(record)
        if let callback {
            return await CallbackResponses.respond(oss, callback, record: record, operation: "PostObject",
                                                   request: objectRequest, caller: caller, headers: fieldsOut)
        }
        if let redirect = form["success_action_redirect"], !redirect.isEmpty,
            var components = URLComponents(string: redirect), components.scheme != nil {
            var items = components.queryItems ?? []
            items += [URLQueryItem(name: "bucket", value: bucket.name), URLQueryItem(name: "key", value: key),
                      URLQueryItem(name: "etag", value: "\"" + record.etag + "\"")]
            components.queryItems = items
            fieldsOut[.location] = components.string ?? redirect
            return Responses.empty(.seeOther, headers: fieldsOut)
        }
        switch form["success_action_status"] {
        case "200":
            return Responses.empty(.ok, headers: fieldsOut)
        case "201":
            return Responses.xml(PostResponse(location: MultipartHandlers.location(call.request, bucket: bucket.name, key: key),
                                              bucket: bucket.name, key: key, etag: record.etag),
                                 status: .created, headers: fieldsOut)
        default:
            return Responses.empty(.noContent, headers: fieldsOut)
        }
    }
}

/// Enforces the policy's content-length-range on a stream whose length is unknown up front.
struct LengthCheckedStream<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let range: ClosedRange<Int64>

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Base.AsyncIterator
        let range: ClosedRange<Int64>
        var seen: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else {
                if seen < range.lowerBound { throw OSSError.entityTooSmall }
                return nil
            }
            seen += Int64(chunk.readableBytes)
            if seen > range.upperBound { throw OSSError.entityTooLarge }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: base.makeAsyncIterator(), range: range) }
}

/// The 201 answer of PostObject.
struct PostResponse: XMLRenderable {
    var location: String
    var bucket: String
    var key: String
    var etag: String

    func render(into w: XMLWriter) {
        w.element("PostResponse") {
            w.element("Bucket", bucket)
            w.element("Location", location)
            w.element("Key", key)
            w.element("ETag", quoted: etag)
        }
    }
}
