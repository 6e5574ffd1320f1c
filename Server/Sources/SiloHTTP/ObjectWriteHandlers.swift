import Foundation
import HTTPTypes
import Hummingbird
import SiloCore
import SiloStorage

extension OSSService {
    static let maxDeleteBodyBytes = 2 * 1024 * 1024
    static let maxDeleteKeys = 1000

    func putObject(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .putObject, bucket: bucket, key: key, headers: request)
        try RequestHeaders.rejectUnsupported(request)
        let attributes = try RequestHeaders.attributes(request)
        let callback = try await UploadCallback.parse(request, settings: settings.callbacks)
        let record = try await objects.put(
            bucket: bucket, key: key, body: body, expectedLength: try RequestHeaders.contentLength(request),
            contentMD5: try RequestHeaders.expectedMD5(request), attributes: attributes,
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        if let callback {
            return await respondAfterCallback(callback, record: record, operation: "PutObject", request: request,
                                              caller: caller, headers: Self.writeHeaders(record))
        }
        return Responses.empty(headers: Self.writeHeaders(record))
    }

    static func writeHeaders(_ record: ObjectRecord) -> HTTPFields {
        var fields = HTTPFields()
        fields[.eTag] = "\"" + record.etag + "\""
        fields[.ossHashCRC64] = String(record.crc64)
        if let md5 = record.contentMD5, record.type == .normal { fields[.contentMD5] = md5 }
        return fields
    }

    func appendObject(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .appendObject, bucket: bucket, key: key, headers: request)
        try RequestHeaders.rejectUnsupported(request)
        guard let positionText = request.query["position"], let position = Int64(positionText), position >= 0 else {
            throw OSSError.invalidArgument("The position parameter is missing or invalid.", name: "position",
                                           value: request.query["position"])
        }
        let record = try await objects.append(
            bucket: bucket, key: key, position: position, body: body,
            expectedLength: try RequestHeaders.contentLength(request), contentMD5: try RequestHeaders.expectedMD5(request),
            attributes: try RequestHeaders.attributes(request))
        var fields = Self.writeHeaders(record)
        fields[.ossNextAppendPosition] = String(record.size)
        return Responses.empty(headers: fields)
    }

    func copyObject(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .copyObject, bucket: bucket, key: key, headers: request)
        try RequestHeaders.rejectUnsupported(request)
        let directive = request.header("x-oss-metadata-directive")?.uppercased() ?? "COPY"
        guard directive == "COPY" || directive == "REPLACE" else {
            throw OSSError.invalidArgument("Invalid metadata directive.", name: "x-oss-metadata-directive", value: directive)
        }
        let replacing = directive == "REPLACE" ? try RequestHeaders.attributes(request) : nil
        let acl = try RequestHeaders.objectACL(request)
        let storageClass = try RequestHeaders.storageClass(request)
        // A source released between the read and the commit is re-read once; then it is gone or stable.
        for attempt in 0..<2 {
            let source = try await loadCopySource(request, caller: caller)
            do {
                let record = try await objects.copy(
                    from: source, to: bucket, key: key, replacing: replacing, acl: acl, storageClass: storageClass,
                    forbidOverwrite: RequestHeaders.forbidOverwrite(request))
                return Responses.xml(CopyObjectResult(etag: record.etag, lastModified: record.lastModified),
                                     headers: Self.writeHeaders(record))
            } catch is SourceReleased where attempt == 0 {
                continue
            }
        }
        throw OSSError.noSuchKey(try Self.copySource(request.header("x-oss-copy-source") ?? "").key)
    }

    /// The object `x-oss-copy-source` names, once the caller may read it and its `x-oss-copy-source-if-*` hold.
    func loadCopySource(_ request: OSSRequest, caller: Caller) async throws -> ObjectRecord {
        let (sourceBucketName, sourceKey) = try Self.copySource(request.header("x-oss-copy-source") ?? "")
        guard let sourceBucket = try await metadata.bucket(sourceBucketName) else {
            throw OSSError.noSuchBucket(sourceBucketName)
        }
        let source = try await metadata.object(bucket: sourceBucket.name, key: sourceKey)
        try await authorize(caller, .getObject, bucket: sourceBucket, key: sourceKey, object: source)
        guard let source else { throw OSSError.noSuchKey(sourceKey) }
        let conditions = Preconditions(
            ifMatch: request.header("x-oss-copy-source-if-match"),
            ifNoneMatch: request.header("x-oss-copy-source-if-none-match"),
            ifModifiedSince: request.header("x-oss-copy-source-if-modified-since"),
            ifUnmodifiedSince: request.header("x-oss-copy-source-if-unmodified-since"))
        guard conditions.evaluateForCopy(etag: source.etag, lastModified: source.lastModified) else {
            throw OSSError.preconditionFailed
        }
        return source
    }

    /// `/<bucket>/<url-encoded key>[?versionId=...]`; the key is decoded after splitting off the bucket.
    static func copySource(_ header: String) throws -> (bucket: String, key: String) {
        let malformed = OSSError.invalidArgument(
            "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.", name: "x-oss-copy-source",
            value: header)
        var text = Substring(header)
        if let question = text.firstIndex(of: "?") { text = text[..<question] }
        if text.hasPrefix("/") { text = text.dropFirst() }
        guard let slash = text.firstIndex(of: "/") else { throw malformed }
        let bucket = String(text[..<slash])
        guard !bucket.isEmpty, let key = PercentEncoding.decode(text[text.index(after: slash)...]), !key.isEmpty else {
            throw malformed
        }
        try Names.validateObjectKey(key)
        return (bucket, key)
    }

    func deleteObject(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .deleteObject, bucket: bucket, key: key)
        try await objects.delete(bucket: bucket.name, keys: [key])
        return Responses.empty(.noContent)
    }

    func deleteMultipleObjects(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try requireAnonymousMayAttempt(caller, .deleteMultipleObjects, bucket: bucket)
        let bytes = try await collect(body, limit: Self.maxDeleteBodyBytes)
        try verifyContentMD5(request, bytes)
        let document = try XMLBody.decode(DeleteRequest.self, from: bytes, root: "Delete",
                                          maxElements: Self.maxDeleteKeys * 3 + 16)
        guard !document.objects.isEmpty, document.objects.count <= Self.maxDeleteKeys else { throw OSSError.malformedXML }
        let keys = document.objects.map(\.key)
        for key in keys { try Names.validateObjectKey(key) }
        // oss:DeleteObject is decided per key; one refusal refuses the whole request, so nothing is half done.
        for key in keys { try await authorizeWrite(caller, .deleteMultipleObjects, bucket: bucket, key: key) }
        try await objects.delete(bucket: bucket.name, keys: keys)
        let encoding = try Self.encodingType(request.query)
        return Responses.xml(DeleteResult(deleted: document.quiet ? [] : keys, encoding: encoding))
    }

    /// Writes are authorized against the object they would replace, whose ACL may grant more than the bucket's.
    /// A write that sets the object's ACL (`x-oss-object-acl`) needs `oss:PutObjectAcl` too, as on OSS: a
    /// session allowed only to put objects cannot make them public.
    func authorizeWrite(_ caller: Caller, _ route: Route, bucket: BucketRecord, key: String,
                        headers request: OSSRequest? = nil) async throws {
        let existing = caller.isAnonymous ? try await metadata.object(bucket: bucket.name, key: key) : nil
        try await authorize(caller, route, bucket: bucket, key: key, object: existing)
        if let request, request.header("x-oss-object-acl") != nil {
            try await authorize(caller, .putObjectACL, bucket: bucket, key: key, object: existing)
        }
    }

    func putSymlink(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .putSymlink, bucket: bucket, key: key, headers: request)
        try RequestHeaders.rejectUnsupported(request)
        guard let header = request.header("x-oss-symlink-target"), let target = PercentEncoding.decode(header) else {
            throw OSSError.invalidArgument("x-oss-symlink-target is missing or malformed.", name: "x-oss-symlink-target")
        }
        try Names.validateObjectKey(target)
        let record = try await objects.putSymlink(
            bucket: bucket, key: key, target: target, attributes: try RequestHeaders.attributes(request),
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        return Responses.empty(headers: [.eTag: "\"" + record.etag + "\""])
    }

    func putObjectACL(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorize(caller, .putObjectACL, bucket: bucket, key: key)
        guard let acl = try RequestHeaders.objectACL(request) else {
            throw OSSError.invalidArgument("x-oss-object-acl is required.", name: "x-oss-object-acl")
        }
        // Read-modify-write guarded by the version read, so a concurrent overwrite is never undone.
        for _ in 0..<3 {
            guard var object = try await metadata.object(bucket: bucket.name, key: key) else { throw OSSError.noSuchKey(key) }
            let version = ObjectVersion(object)
            object.acl = acl
            do {
                try await objects.commit(object, newBlobs: [], condition: .currentVersion(version))
                return Responses.empty()
            } catch is ConditionFailure {
                continue
            } catch is SourceReleased {
                continue
            }
        }
        throw OSSError.serviceUnavailable
    }
}
