import HTTPTypes
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// GetObject, HeadObject, GetObjectMeta, GetObjectAcl, GetSymlink (spec §7.3–7.5, §7.11).
enum ObjectReadHandlers {
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
        if !object.tags.isEmpty { fields[.ossTaggingCount] = String(object.tags.count) }
        if let versionId = object.versionId { fields[.ossVersionId] = versionId }
        if let sse = object.headers.serverSideEncryption { fields[.ossServerSideEncryption] = sse }
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

    static func get(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        let object = try await oss.domain.workflows.resolveSymlink(try call.requireObject(), bucket: call.bucket,
                                                                   caller: call.caller)
        var fields = objectHeaders(object)
        switch preconditions(request).evaluate(etag: object.etag, lastModified: object.lastModified) {
        case .proceed: break
        case .notModified:
            var notModified = HTTPFields()
            notModified[.eTag] = fields[.eTag]
            notModified[.lastModified] = fields[.lastModified]
            return call.inMemory(Response(status: .notModified, headers: notModified, body: .init()))
        case .preconditionFailed: throw OSSError.preconditionFailed
        }
        if !call.caller.isAnonymous {
            for (query, header) in responseOverrides {
                if let value = request.query[query] { fields[header] = value }
            }
        }
        if let process = request.query["x-oss-process"] {
            let processed = try await ImageHandlers.processed(oss, call, object: object, process: process, fields: fields)
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
        let blobs = oss.domain.objects.blobs
        let trafficLimit = try TrafficLimit.of(request)
        if status == .ok, !request.isHead, trafficLimit == nil, GzipResponse.applies(to: request, object: object) {
            fields[.contentEncoding] = "gzip"
            fields[.vary] = "Accept-Encoding"
            let reader = try await blobs.reader(for: object.extents)
            return Response(status: .ok, headers: fields,
                            body: GzipResponse.body(reader, size: object.size, chunkSize: streamChunkSize))
        }
        let length = Int64(byteRange.count)
        fields[.contentLength] = String(length)
        if request.isHead || length == 0 {
            return call.inMemory(Response(status: status, headers: fields, body: .init()))
        }
        if let trafficLimit {
            return Response(status: status, headers: fields,
                            body: pacedBody(try await blobs.reader(for: object.extents), range: byteRange, limit: trafficLimit))
        }
        if length <= inlineResponseLimit {
            let whole = try await blobs.readWhole(object.extents, range: byteRange)
            return call.inMemory(Response(status: status, headers: fields, body: .init(byteBuffer: whole)))
        }
        if !oss.settings.tls, let files = blobs as? any FileBackedBlobStore, files.servesFileSpans(object.extents) {
            let spans = try await files.fileSpans(object.extents, range: byteRange)
            return Response(status: status, headers: fields, body: sendfileBody(spans, length: length))
        }
        let reader = try await blobs.reader(for: object.extents)
        let streamed = byteRange
        let body = ResponseBody(contentLength: Int(length)) { writer in
            do {
                try await reader.read(streamed, chunkSize: streamChunkSize) { chunk in try await writer.write(chunk) }
                await reader.close()
            } catch {
                await reader.close()
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: fields, body: body)
    }

    /// A body sent no faster than `x-oss-traffic-limit`: small chunks, each once the rate allows it.
    static func pacedBody(_ reader: any BlobReader, range: Range<Int64>, limit: TrafficLimit) -> ResponseBody {
        ResponseBody(contentLength: Int(range.count)) { writer in
            var pacer = TrafficLimit.Pacer(limit)
            do {
                try await reader.read(range, chunkSize: limit.chunkSize) { chunk in
                    try await writer.write(chunk)
                    try await pacer.pass(chunk.readableBytes)
                }
                await reader.close()
            } catch {
                await reader.close()
                throw error
            }
            try await writer.finish(nil)
        }
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

    static func getSymlink(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let object = try call.requireObject()
        guard object.type == .symlink, let target = object.symlinkTarget else { throw StorageError.notSymlink(object.key) }
        var fields = HTTPFields()
        fields[.ossSymlinkTarget] = PercentEncoding.encode(target)
        if let versionId = object.versionId { fields[.ossVersionId] = versionId }
        fields[.eTag] = "\"" + object.etag + "\""
        fields[.lastModified] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        return Responses.empty(headers: fields)
    }

    static func getMeta(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let object = try await oss.domain.workflows.resolveSymlink(try call.requireObject(), bucket: call.bucket,
                                                                   caller: call.caller)
        var fields = HTTPFields()
        fields[.eTag] = "\"" + object.etag + "\""
        fields[.lastModified] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        fields[.contentLength] = String(object.size)
        fields[.ossHashCRC64] = String(object.crc64)
        fields[.ossLastAccessTime] = Timestamps.rfc1123(unixSeconds: object.lastModified)
        if let versionId = object.versionId { fields[.ossVersionId] = versionId }
        return Response(status: .ok, headers: fields, body: .init())
    }

    static func getACL(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(AccessControlPolicyResult(owner: oss.settings.owner, grant: try call.requireObject().acl.rawValue),
                      headers: ObjectWriteHandlers.versionHeader(call))
    }

    /// GetObjectTagging: a symlink's own tags, not its target's.
    static func getTagging(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(TaggingDocument(try call.requireObject().tags.tags), headers: ObjectWriteHandlers.versionHeader(call))
    }
}
