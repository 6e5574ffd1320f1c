import HTTPTypes
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// Multipart upload (spec §8).
enum MultipartHandlers {
    /// 10,000 parts of about 100 bytes of XML each, with room for whitespace.
    static let maxCompleteBodyBytes = 4 * 1024 * 1024

    static func initiate(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        let encoding = try Listing.encodingType(request.query)
        var attributes = try RequestHeaders.attributes(request)
        attributes.headers.serverSideEncryption = try RequestHeaders.encryption(request, bucket: call.bucket)
        let upload = try await oss.domain.objects.initiateUpload(
            bucket: call.bucket, key: call.key, attributes: attributes,
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        var fields = HTTPFields()
        if let sse = upload.headers.serverSideEncryption { fields[.ossServerSideEncryption] = sse }
        return Responses.xml(InitiateMultipartUploadResult(
            bucket: call.bucket.name, key: upload.key, uploadId: upload.uploadId, encoding: encoding), headers: fields)
    }

    /// `partNumber` and `uploadId` of a part request.
    static func partAddress(_ query: QueryParameters) throws -> (partNumber: Int, uploadId: String) {
        guard let uploadId = query.nonEmpty("uploadId") else {
            throw OSSError.invalidArgument("uploadId is required.", name: "uploadId", value: query["uploadId"])
        }
        let text = query["partNumber"]
        guard let text, let number = Int(text), ObjectService.partNumbers.contains(number) else {
            throw OSSError.invalidArgument("Part number must be an integer between 1 and 10000, inclusive.",
                                           name: "partNumber", value: text)
        }
        return (number, uploadId)
    }

    static func requiredUploadId(_ query: QueryParameters) throws -> String {
        guard let uploadId = query.nonEmpty("uploadId") else {
            throw OSSError.invalidArgument("uploadId is required.", name: "uploadId")
        }
        return uploadId
    }

    static func uploadPart(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let (partNumber, uploadId) = try partAddress(call.query)
        try RequestHeaders.rejectEncryptionHeaders(call.request)
        let part = try await oss.domain.objects.uploadPart(
            bucket: call.bucket.name, key: call.key, uploadId: uploadId, partNumber: partNumber,
            body: PacedStream(call.body, try TrafficLimit.of(call.request)),
            expectedLength: try RequestHeaders.contentLength(call.request),
            contentMD5: try RequestHeaders.expectedMD5(call.request))
        var fields = HTTPFields()
        fields[.eTag] = "\"" + part.etag + "\""
        fields[.ossHashCRC64] = String(part.crc64)
        return Responses.empty(headers: fields)
    }

    static func uploadPartCopy(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let (partNumber, uploadId) = try partAddress(call.query)
        let rangeHeader = call.request.header("x-oss-copy-source-range")
        // The part shares the source's bytes and moves none, so a valid limit has nothing to pace.
        _ = try TrafficLimit.of(call.request)
        let source = try ObjectWriteHandlers.copySource(call.request)
        let (part, range, sourceSize) = try await oss.domain.workflows.uploadPartCopy(
            source, caller: call.caller, bucket: call.bucket.name, key: call.key,
            uploadId: uploadId, partNumber: partNumber, range: { size in try copySourceRange(rangeHeader, size: size) })
        var fields = HTTPFields()
        fields[.eTag] = "\"" + part.etag + "\""
        fields[.ossHashCRC64] = String(part.crc64)
        if !range.isEmpty { fields[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(sourceSize)" }
        if let sourceVersion = source.versionId { fields[.ossCopySourceVersionId] = sourceVersion }
        return Responses.xml(CopyObjectResult(etag: part.etag, lastModified: part.lastModified, rootName: "CopyPartResult"),
                             headers: fields)
    }

    /// `x-oss-copy-source-range: bytes=first-last` (or `first-`, `-suffix`), which must lie within the source;
    /// absent means all of it.
    static func copySourceRange(_ header: String?, size: Int64) throws -> Range<Int64> {
        guard let header else { return 0..<size }
        guard let range = ByteRangeRequest(header: header)?.resolve(size: size, standard: false) else {
            throw OSSError.invalidArgument("The x-oss-copy-source-range must lie within the source object.",
                                           name: "x-oss-copy-source-range", value: header)
        }
        return range.lowerBound..<(range.upperBound + 1)
    }

    static func complete(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        try RequestHeaders.rejectEncryptionHeaders(request)
        let uploadId = try requiredUploadId(request.query)
        let encoding = try Listing.encodingType(request.query)
        let bytes = try await Bodies.collect(call.body, limit: maxCompleteBodyBytes)
        var parts: [CompletionPart]?
        if let completeAll = request.header("x-oss-complete-all") {
            guard completeAll.lowercased() == "yes" else {
                throw OSSError.invalidArgument("x-oss-complete-all must be yes.", name: "x-oss-complete-all",
                                               value: completeAll)
            }
            guard bytes.isEmpty else {
                throw OSSError.invalidArgument("Should not specify both complete all header and http body.",
                                               name: "x-oss-complete-all", value: completeAll)
            }
        } else {
            try Bodies.verifyContentMD5(request, bytes)
            // 10,000 parts of a few elements each.
            let document = try XMLBody.decode(CompleteMultipartUploadRequest.self, from: bytes,
                                              root: "CompleteMultipartUpload", maxElements: 10_000 * 4 + 16)
            guard !document.parts.isEmpty else { throw OSSError.malformedXML }
            parts = document.parts.map { CompletionPart(partNumber: $0.partNumber, etag: $0.etag) }
        }
        let callback = try await CallbackResponses.parse(request, oss: oss)
        let record = try await oss.domain.objects.completeUpload(
            bucket: call.bucket, key: call.key, uploadId: uploadId, parts: parts,
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        var fields = HTTPFields()
        fields[.eTag] = "\"" + record.etag + "\""
        fields[.ossHashCRC64] = String(record.crc64)
        if let versionId = record.versionId { fields[.ossVersionId] = versionId }
        if let sse = record.headers.serverSideEncryption { fields[.ossServerSideEncryption] = sse }
        if let callback {
            // The app server's answer replaces the XML document.
            return await CallbackResponses.respond(oss, callback, record: record, operation: "CompleteMultipartUpload",
                                                   request: request, caller: call.caller, headers: fields)
        }
        return Responses.xml(CompleteMultipartUploadResult(
            location: location(request, bucket: call.bucket.name, key: call.key), bucket: call.bucket.name, key: call.key,
            etag: record.etag, encoding: encoding), headers: fields)
    }

    /// The object's URL in the addressing style the request used.
    static func location(_ request: OSSRequest, bucket: String, key: String) -> String {
        let path = PercentEncoding.encode(key, keepSlash: true)
        if request.host.lowercased().hasPrefix(bucket + ".") { return "http://\(request.host)/\(path)" }
        return "http://\(request.host)/\(bucket)/\(path)"
    }

    static func abort(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.objects.abortUpload(bucket: call.bucket.name, key: call.key, uploadId: try requiredUploadId(call.query))
        return Responses.empty(.noContent)
    }

    static func listParts(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let query = call.query
        let uploadId = try requiredUploadId(query)
        let maxParts = try Listing.maxKeys(query, name: "max-parts", default: 1000)
        var marker = 0
        if let text = query.nonEmpty("part-number-marker") {
            guard let value = Int(text), value >= 0 else {
                throw OSSError.invalidArgument("part-number-marker must be a non-negative integer.",
                                               name: "part-number-marker", value: text)
            }
            marker = value
        }
        let encoding = try Listing.encodingType(query)
        _ = try await oss.domain.objects.requireUpload(bucket: call.bucket.name, key: call.key, uploadId: uploadId)
        let fetched = try await oss.metadata.parts(uploadId: uploadId, after: marker, limit: maxParts + 1)
        let page = fetched.prefix(maxParts).map {
            PartSummary(partNumber: $0.partNumber, lastModified: $0.lastModified, etag: $0.etag, crc64: $0.crc64,
                        size: $0.size)
        }
        return Responses.xml(ListPartsResult(
            bucket: call.bucket.name, key: call.key, uploadId: uploadId, partNumberMarker: marker, maxParts: maxParts,
            isTruncated: fetched.count > maxParts, parts: page, encoding: encoding))
    }

    static func listUploads(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let query = call.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        let maxUploads = try Listing.maxKeys(query, name: "max-uploads", default: 1000)
        let keyMarker = query["key-marker"] ?? ""
        // Without a key marker the upload-id marker means nothing (spec §8.7).
        let uploadIdMarker = keyMarker.isEmpty ? "" : (query["upload-id-marker"] ?? "")
        let encoding = try Listing.encodingType(query)
        let listing = try await oss.metadata.listUploads(UploadListQuery(
            bucket: call.bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter,
            keyMarker: keyMarker.isEmpty ? nil : keyMarker, uploadIdMarker: uploadIdMarker.isEmpty ? nil : uploadIdMarker,
            limit: maxUploads))
        var uploads: [MultipartUploadSummary] = []
        var prefixes: [String] = []
        var nextKeyMarker = ""
        var nextUploadIdMarker = ""
        for entry in listing.entries {
            switch entry {
            case .upload(let upload):
                uploads.append(upload.summary)
                (nextKeyMarker, nextUploadIdMarker) = (upload.key, upload.uploadId)
            case .commonPrefix(let group):
                prefixes.append(group)
                (nextKeyMarker, nextUploadIdMarker) = (group, "")
            }
        }
        return Responses.xml(ListMultipartUploadsResult(
            bucket: call.bucket.name, prefix: prefix, delimiter: delimiter, keyMarker: keyMarker,
            uploadIdMarker: uploadIdMarker, maxUploads: maxUploads, encoding: encoding, uploads: uploads,
            commonPrefixes: prefixes, nextKeyMarker: nextKeyMarker, nextUploadIdMarker: nextUploadIdMarker,
            isTruncated: listing.isTruncated))
    }
}
