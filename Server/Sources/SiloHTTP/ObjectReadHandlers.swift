import HTTPTypes
import Hummingbird
import SiloCore
import SiloStorage

extension OSSService {
    /// Objects up to this size are read whole and sent with their headers in one write; larger ones go out with
    /// sendfile(2) when the blob store is file-backed.
    static let inlineResponseLimit: Int64 = 64 * 1024
    /// Streaming chunk size: large enough for few syscalls, small enough to bound memory per download.
    static let streamChunkSize = 1024 * 1024

    static let responseOverrides: [(query: String, header: HTTPField.Name)] = [
        ("response-content-type", .contentType), ("response-content-language", .contentLanguage),
        ("response-expires", HTTPField.Name("Expires")!), ("response-cache-control", .cacheControl),
        ("response-content-disposition", .contentDisposition), ("response-content-encoding", .contentEncoding),
    ]

    /// The object a read addresses, after authorization (which may depend on the object's own ACL).
    func loadObject(_ request: OSSRequest, caller: Caller, route: Route) async throws -> (BucketRecord, ObjectRecord) {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        let object = try await metadata.object(bucket: bucket.name, key: key)
        // Authorized before existence is revealed: an anonymous caller learns nothing about a private bucket's keys.
        try await authorize(caller, route, bucket: bucket, key: key, object: object)
        guard let object else { throw OSSError.noSuchKey(key) }
        return (bucket, object)
    }

    /// The headers GET and HEAD share.
    static func objectHeaders(_ object: ObjectRecord) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(12 + object.userMetadata.count)
        fields[.contentType] = object.contentType
        fields[.eTag] = "\"" + object.etag + "\""
        fields[.lastModified] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        fields[.acceptRanges] = "bytes"
        fields[.ossObjectType] = object.type.rawValue
        fields[.ossStorageClass] = object.storageClass.rawValue
        fields[.ossHashCRC64] = String(object.crc64)
        if let md5 = object.contentMD5, object.type == .normal { fields[.contentMD5] = md5 }
        if object.type == .appendable { fields[.ossNextAppendPosition] = String(object.size) }
        let headers = object.headers
        if let value = headers.cacheControl { fields[.cacheControl] = value }
        if let value = headers.contentDisposition { fields[.contentDisposition] = value }
        if let value = headers.contentEncoding { fields[.contentEncoding] = value }
        if let value = headers.contentLanguage { fields[.contentLanguage] = value }
        if let value = headers.expires { fields[HTTPField.Name("Expires")!] = value }
        for entry in object.userMetadata {
            if let name = HTTPField.Name("x-oss-meta-" + entry.name) { fields.append(HTTPField(name: name, value: entry.value)) }
        }
        return fields
    }

    static func preconditions(_ request: OSSRequest) -> Preconditions {
        Preconditions(
            ifMatch: request.header(.ifMatch), ifNoneMatch: request.header(.ifNoneMatch),
            ifModifiedSince: request.header(.ifModifiedSince), ifUnmodifiedSince: request.header(.ifUnmodifiedSince))
    }

    func getObject(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let route: Route = request.isHead ? .headObject : .getObject
        let (bucket, requested) = try await loadObject(request, caller: caller, route: route)
        let object = try await resolveSymlink(requested, bucket: bucket, caller: caller)
        var fields = Self.objectHeaders(object)
        switch Self.preconditions(request).evaluate(etag: object.etag, lastModified: object.lastModified) {
        case .proceed: break
        case .notModified:
            var notModified = HTTPFields()
            notModified[.eTag] = fields[.eTag]
            notModified[.lastModified] = fields[.lastModified]
            return Response(status: .notModified, headers: notModified, body: .init())
        case .preconditionFailed: throw OSSError.preconditionFailed
        }
        if !caller.isAnonymous {
            for (query, header) in Self.responseOverrides {
                if let value = request.query[query] { fields[header] = value }
            }
        }
        if let process = request.query["x-oss-process"] {
            let processed = try await processedImage(object, bucket: bucket, process: process, fields: fields, caller: caller)
            return request.isHead ? Response(status: processed.status, headers: processed.headers, body: .init()) : processed
        }
        var status = HTTPResponse.Status.ok
        var byteRange: Range<Int64> = 0..<object.size
        if let header = request.header(.range), object.size > 0 {
            let standard = request.header("x-oss-range-behavior")?.lowercased() == "standard"
            if let resolved = ByteRangeRequest(header: header)?.resolve(size: object.size, standard: standard) {
                byteRange = resolved.lowerBound..<(resolved.upperBound + 1)
                status = .partialContent
                fields[.contentRange] = "bytes \(resolved.lowerBound)-\(resolved.upperBound)/\(object.size)"
            } else if standard {
                throw OSSError.invalidRange.withHeader("Content-Range", "bytes */\(object.size)")
            }
        }
        let length = Int64(byteRange.count)
        fields[.contentLength] = String(length)
        if request.isHead || length == 0 {
            return Response(status: status, headers: fields, body: .init())
        }
        if length <= Self.inlineResponseLimit {
            let whole = try await objects.blobs.readWhole(object.extents, range: byteRange)
            return Response(status: status, headers: fields, body: .init(byteBuffer: whole))
        }
        if let files = objects.blobs as? any FileBackedBlobStore {
            let spans = try await files.fileSpans(object.extents, range: byteRange)
            return Response(status: status, headers: fields, body: Self.sendfileBody(spans, length: length))
        }
        let reader = try await objects.blobs.reader(for: object.extents)
        let streamed = byteRange
        let body = ResponseBody(contentLength: Int(length)) { writer in
            do {
                try await reader.read(streamed, chunkSize: Self.streamChunkSize) { chunk in try await writer.write(chunk) }
                await reader.close()
            } catch {
                await reader.close()
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: fields, body: body)
    }

    /// Reads of a symlink serve the target's bytes, size and ETag with the link's own type and metadata.
    func resolveSymlink(_ object: ObjectRecord, bucket: BucketRecord, caller: Caller) async throws -> ObjectRecord {
        guard object.type == .symlink, let target = object.symlinkTarget else { return object }
        guard let resolved = try await metadata.object(bucket: bucket.name, key: target), resolved.type != .symlink else {
            throw OSSError.symlinkTargetNotExist.with("Key", object.key)
        }
        try await authorize(caller, .getObject, bucket: bucket, key: target, object: resolved)
        var merged = resolved
        merged.key = object.key
        merged.type = .symlink
        merged.contentType = object.contentType == MimeTypes.fallback ? resolved.contentType : object.contentType
        if !object.userMetadata.isEmpty { merged.userMetadata = object.userMetadata }
        return merged
    }

    func getSymlink(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let (_, object) = try await loadObject(request, caller: caller, route: .getSymlink)
        guard object.type == .symlink, let target = object.symlinkTarget else {
            throw OSSError(status: 400, code: "NotSymlink", message: "The specified object is not a symlink.")
        }
        var fields = HTTPFields()
        fields[.ossSymlinkTarget] = PercentEncoding.encode(target)
        fields[.eTag] = "\"" + object.etag + "\""
        fields[.lastModified] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        return Responses.empty(headers: fields)
    }

    /// A body of file spans sent with sendfile; a span whose marker cannot be written is closed here.
    static func sendfileBody(_ spans: [FileSpan], length: Int64) -> ResponseBody {
        ResponseBody(contentLength: Int(length)) { writer in
            var index = 0
            defer { for span in spans[index...] { POSIXDescriptor.close(span.descriptor) } }
            while index < spans.count {
                let marker = SendfileRegistry.shared.register(spans[index])
                index += 1
                do {
                    try await writer.write(marker)
                } catch {
                    SendfileRegistry.shared.discard(marker)
                    throw error
                }
            }
            try await writer.finish(nil)
        }
    }

    func getObjectMeta(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let (bucket, requested) = try await loadObject(request, caller: caller, route: .getObjectMeta)
        let object = try await resolveSymlink(requested, bucket: bucket, caller: caller)
        var fields = HTTPFields()
        fields[.eTag] = "\"" + object.etag + "\""
        fields[.lastModified] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        fields[.contentLength] = String(object.size)
        fields[.ossHashCRC64] = String(object.crc64)
        fields[.ossLastAccessTime] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        return Response(status: .ok, headers: fields, body: .init())
    }

    func getObjectACL(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let (_, object) = try await loadObject(request, caller: caller, route: .getObjectACL)
        return Responses.xml(AccessControlPolicyResult(owner: settings.owner, grant: object.acl.rawValue))
    }
}
