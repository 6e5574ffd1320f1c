import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import SiloCore
import SiloIAM
import SiloStorage

/// PostObject (spec §12): a browser form upload. The credentials, the signed policy and the object's headers
/// are form fields; the file is the last part and streams straight into storage.
extension OSSService {
    static let maxPostObjectBytes: Int64 = 5 << 30

    func postObject(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        guard let boundary = FormDataReader.boundary(contentType: request.header(.contentType)) else {
            throw FormDataReader.malformed("No boundary in Content-Type.")
        }
        let reader = FormDataReader(body: body, boundary: boundary)
        let (fields, fileContentType) = try await reader.readFields()
        var form: [String: String] = [:]
        for field in fields { form[field.name.lowercased()] = field.value }
        guard let key = form["key"], !key.isEmpty else {
            throw OSSError.invalidArgument("Bucket POST must contain a field named 'key'.", name: "key")
        }
        try Names.validateObjectKey(key)

        let principal = try await postPrincipal(form)
        let policyText = form["policy"]
        let formCaller = Caller(principal: principal, sourceIP: caller.sourceIP, userAgent: caller.userAgent,
                                accessKeyId: principal.accessKeyId)
        try await authorizeWrite(formCaller, .postObject, bucket: bucket, key: key)

        // The form fields play the part of PutObject's headers.
        var headers = HTTPFields()
        for field in fields {
            let name = field.name.lowercased()
            guard let fieldName = HTTPField.Name(name), !name.hasPrefix("x:"),
                !["key", "policy", "signature", "ossaccesskeyid", "file", "callback", "success_action_status",
                  "success_action_redirect", "x-oss-signature", "x-oss-credential", "x-oss-date",
                  "x-oss-signature-version", "x-oss-security-token", "content-type", "x-oss-content-type"].contains(name)
            else { continue }
            headers.append(HTTPField(name: fieldName, value: field.value))
        }
        if let type = form["x-oss-content-type"] ?? form["content-type"] ?? fileContentType, !type.isEmpty {
            headers[.contentType] = type
        } else {
            headers[.contentType] = MimeTypes.forKey(key)
        }
        let objectRequest = OSSRequest(method: .post, host: request.host, bucket: bucket.name, key: key,
                                       query: QueryParameters(), headers: headers, requestId: request.requestId)
        try RequestHeaders.rejectUnsupported(objectRequest)
        if objectRequest.header("x-oss-object-acl") != nil {
            try await authorize(formCaller, .putObjectACL, bucket: bucket, key: key)
        }
        let attributes = try RequestHeaders.attributes(objectRequest)

        // The policy's conditions on fields are checked now; its length range while the file streams.
        var range: ClosedRange<Int64> = 0...Self.maxPostObjectBytes
        if let policyText, !policyText.isEmpty {
            let policy = try PostPolicy(base64: policyText)
            var checked = form
            checked["bucket"] = bucket.name
            try policy.check(fields: checked, contentLength: nil, now: settings.clock())
            for case .contentLengthRange(let low, let high) in policy.conditions {
                range = max(range.lowerBound, low)...min(range.upperBound, high)
            }
        }

        var callback: UploadCallback?
        if let encoded = form["callback"], !encoded.isEmpty {
            guard settings.callbacks.signer != nil else {
                throw OSSError.unsupported("upload callback (no callback key configured)")
            }
            let configuration = try CallbackConfiguration(base64: encoded)
            for url in configuration.urls { try await settings.callbacks.check(url) }
            let variables = fields.filter { $0.name.lowercased().hasPrefix("x:") }
                .reduce(into: [String: String]()) { $0[$1.name.lowercased()] = $1.value }
            callback = UploadCallback(configuration: configuration, variables: variables)
        }

        let file = LengthCheckedStream(base: FormFileStream(reader: reader), range: range)
        let record = try await objects.put(
            bucket: bucket, key: key, body: file, expectedLength: nil, contentMD5: nil, attributes: attributes,
            forbidOverwrite: RequestHeaders.forbidOverwrite(objectRequest))
        var fieldsOut = Self.writeHeaders(record)
        if let callback {
            return await respondAfterCallback(callback, record: record, operation: "PostObject", request: objectRequest,
                                              caller: formCaller, headers: fieldsOut)
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
            return Responses.xml(PostResponse(location: Self.location(request, bucket: bucket.name, key: key),
                                              bucket: bucket.name, key: key, etag: record.etag),
                                 status: .created, headers: fieldsOut)
        default:
            return Responses.empty(.noContent, headers: fieldsOut)
        }
    }

    /// Who signed the form: V4 or V1 fields over the policy, or nobody (then only ACLs can allow the write).
    private func postPrincipal(_ form: [String: String]) async throws -> Principal {
        let token = form["x-oss-security-token"]
        if let version = form["x-oss-signature-version"] {
            guard version == SignatureV4.algorithm else {
                throw OSSError.invalidArgument("Unsupported x-oss-signature-version.", name: "x-oss-signature-version")
            }
            guard let policy = form["policy"], !policy.isEmpty else {
                throw OSSError.invalidArgument("The policy field is required.", name: "policy", ec: "0002-00000702")
            }
            guard let credential = form["x-oss-credential"].flatMap(SignatureV4.Credential.init(parsing:)),
                credential.scope.region == settings.region, credential.scope.product == "oss"
            else { throw OSSError.invalidArgument("Invalid x-oss-credential.", name: "x-oss-credential", ec: "0002-00000710") }
            guard let date = form["x-oss-date"], date.hasPrefix(credential.scope.date), Timestamps.parseISOBasic(date) != nil else {
                throw OSSError.invalidArgument("Invalid x-oss-date.", name: "x-oss-date")
            }
            guard let provided = form["x-oss-signature"], !provided.isEmpty else {
                throw OSSError.invalidArgument("The x-oss-signature field is required.", name: "x-oss-signature",
                                               ec: "0002-00000703")
            }
            let key = try await authenticator.credentials.resolve(accessKeyId: credential.accessKeyId, securityToken: token)
            let expected = PostPolicy.signatureV4(policy: policy, secret: key.secret, scope: credential.scope)
            guard constantTimeEqual(expected, provided) else {
                throw OSSError.signatureDoesNotMatch(stringToSign: policy, provided: provided, accessKeyId: credential.accessKeyId)
            }
            return key.principal
        }
        let v1 = [form["ossaccesskeyid"], form["policy"], form["signature"]]
        if v1.allSatisfy({ $0 == nil || $0 == "" }) { return .anonymous }
        guard let accessKeyId = v1[0], let policy = v1[1], let provided = v1[2], !accessKeyId.isEmpty, !policy.isEmpty,
            !provided.isEmpty
        else {
            throw OSSError.invalidArgument("OSSAccessKeyId, policy and Signature go together.", name: "Signature")
        }
        let key = try await authenticator.credentials.resolve(accessKeyId: accessKeyId, securityToken: token)
        let expected = PostPolicy.signatureV1(policy: policy, secret: key.secret)
        guard constantTimeEqual(expected, provided) else {
            throw OSSError.signatureDoesNotMatch(stringToSign: policy, provided: provided, accessKeyId: accessKeyId)
        }
        return key.principal
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
            w.element("ETag", "\"" + etag + "\"")
        }
    }
}
