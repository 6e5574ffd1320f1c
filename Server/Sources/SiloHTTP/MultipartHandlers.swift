import HTTPTypes
import Hummingbird
import SiloCore
import SiloStorage

/// Multipart upload (spec §8).
extension OSSService {
    /// 10,000 parts of about 100 bytes of XML each, with room for whitespace.
    static let maxCompleteBodyBytes = 4 * 1024 * 1024

    func initiateMultipartUpload(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .initiateMultipartUpload, bucket: bucket, key: key, headers: request)
        try RequestHeaders.rejectUnsupported(request)
        let encoding = try Self.encodingType(request.query)
        let upload = try await objects.initiateUpload(
            bucket: bucket, key: key, attributes: try RequestHeaders.attributes(request),
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        return Responses.xml(InitiateMultipartUploadResult(
            bucket: bucket.name, key: upload.key, uploadId: upload.uploadId, encoding: encoding))
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

    func uploadPart(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .uploadPart, bucket: bucket, key: key)
        let (partNumber, uploadId) = try Self.partAddress(request.query)
        let part = try await objects.uploadPart(
            bucket: bucket.name, key: key, uploadId: uploadId, partNumber: partNumber, body: body,
            expectedLength: try RequestHeaders.contentLength(request), contentMD5: try RequestHeaders.expectedMD5(request))
        var fields = HTTPFields()
        fields[.eTag] = "\"" + part.etag + "\""
        fields[.ossHashCRC64] = String(part.crc64)
        return Responses.empty(headers: fields)
    }

    func uploadPartCopy(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .uploadPartCopy, bucket: bucket, key: key)
        let (partNumber, uploadId) = try Self.partAddress(request.query)
        _ = try await objects.requireUpload(bucket: bucket.name, key: key, uploadId: uploadId)
        for attempt in 0..<2 {
            let source = try await loadCopySource(request, caller: caller)
            let range = try Self.copySourceRange(request.header("x-oss-copy-source-range"), size: source.size)
            do {
                let part = try await objects.uploadPartCopy(
                    bucket: bucket.name, key: key, uploadId: uploadId, partNumber: partNumber, source: source,
                    range: range)
                var fields = HTTPFields()
                fields[.eTag] = "\"" + part.etag + "\""
                fields[.ossHashCRC64] = String(part.crc64)
                if !range.isEmpty {
                    fields[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(source.size)"
                }
                return Responses.xml(
                    CopyObjectResult(etag: part.etag, lastModified: part.lastModified, rootName: "CopyPartResult"),
                    headers: fields)
            } catch is SourceReleased where attempt == 0 {
                continue
            }
        }
        throw OSSError.noSuchKey(try Self.copySource(request.header("x-oss-copy-source") ?? "").key)
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

    func completeMultipartUpload(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .completeMultipartUpload, bucket: bucket, key: key)
        try RequestHeaders.rejectUnsupported(request)
        guard let uploadId = request.query.nonEmpty("uploadId") else {
            throw OSSError.invalidArgument("uploadId is required.", name: "uploadId")
        }
        let encoding = try Self.encodingType(request.query)
        let bytes = try await collect(body, limit: Self.maxCompleteBodyBytes)
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
            try verifyContentMD5(request, bytes)
            // 10,000 parts of a few elements each.
            let document = try XMLBody.decode(CompleteMultipartUploadRequest.self, from: bytes,
                                              root: "CompleteMultipartUpload", maxElements: 10_000 * 4 + 16)
            guard !document.parts.isEmpty else { throw OSSError.malformedXML }
            parts = document.parts.map { CompletionPart(partNumber: $0.partNumber, etag: $0.etag) }
        }
        let callback = try await UploadCallback.parse(request, settings: settings.callbacks)
        let record = try await objects.completeUpload(
            bucket: bucket, key: key, uploadId: uploadId, parts: parts,
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        var fields = HTTPFields()
        fields[.eTag] = "\"" + record.etag + "\""
        fields[.ossHashCRC64] = String(record.crc64)
        if let callback {
            // The app server's answer replaces the XML document.
            return await respondAfterCallback(callback, record: record, operation: "CompleteMultipartUpload",
                                              request: request, caller: caller, headers: fields)
        }
        return Responses.xml(CompleteMultipartUploadResult(
            location: Self.location(request, bucket: bucket.name, key: key), bucket: bucket.name, key: key,
            etag: record.etag, encoding: encoding), headers: fields)
    }

    /// The object's URL in the addressing style the request used.
    static func location(_ request: OSSRequest, bucket: String, key: String) -> String {
        let path = PercentEncoding.encode(key, keepSlash: true)
        if request.host.lowercased().hasPrefix(bucket + ".") { return "http://\(request.host)/\(path)" }
        return "http://\(request.host)/\(bucket)/\(path)"
    }

    func abortMultipartUpload(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorizeWrite(caller, .abortMultipartUpload, bucket: bucket, key: key)
        guard let uploadId = request.query.nonEmpty("uploadId") else {
            throw OSSError.invalidArgument("uploadId is required.", name: "uploadId")
        }
        try await objects.abortUpload(bucket: bucket.name, key: key, uploadId: uploadId)
        return Responses.empty(.noContent)
    }

    func listParts(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let key = try requireKey(request)
        try await authorize(caller, .listParts, bucket: bucket, key: key)
        let query = request.query
        guard let uploadId = query.nonEmpty("uploadId") else {
            throw OSSError.invalidArgument("uploadId is required.", name: "uploadId")
        }
        let maxParts = try Listing.maxKeys(query, name: "max-parts", default: 1000)
        var marker = 0
        if let text = query.nonEmpty("part-number-marker") {
            guard let value = Int(text), value >= 0 else {
                throw OSSError.invalidArgument("part-number-marker must be a non-negative integer.",
                                               name: "part-number-marker", value: text)
            }
            marker = value
        }
        let encoding = try Self.encodingType(query)
        _ = try await objects.requireUpload(bucket: bucket.name, key: key, uploadId: uploadId)
        let fetched = try await metadata.parts(uploadId: uploadId, after: marker, limit: maxParts + 1)
        let page = fetched.prefix(maxParts).map {
            PartSummary(partNumber: $0.partNumber, lastModified: $0.lastModified, etag: $0.etag, crc64: $0.crc64,
                        size: $0.size)
        }
        return Responses.xml(ListPartsResult(
            bucket: bucket.name, key: key, uploadId: uploadId, partNumberMarker: marker, maxParts: maxParts,
            isTruncated: fetched.count > maxParts, parts: page, encoding: encoding))
    }

    func listMultipartUploads(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let query = request.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        try await authorize(caller, .listMultipartUploads, bucket: bucket,
                            values: ["oss:Prefix": [prefix], "oss:Delimiter": [delimiter]])
        let maxUploads = try Listing.maxKeys(query, name: "max-uploads", default: 1000)
        let keyMarker = query["key-marker"] ?? ""
        // Without a key marker the upload-id marker means nothing (spec §8.7).
        let uploadIdMarker = keyMarker.isEmpty ? "" : (query["upload-id-marker"] ?? "")
        let encoding = try Self.encodingType(query)
        let listing = try await metadata.listUploads(UploadListQuery(
            bucket: bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter,
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
            bucket: bucket.name, prefix: prefix, delimiter: delimiter, keyMarker: keyMarker,
            uploadIdMarker: uploadIdMarker, maxUploads: maxUploads, encoding: encoding, uploads: uploads,
            commonPrefixes: prefixes, nextKeyMarker: nextKeyMarker, nextUploadIdMarker: nextUploadIdMarker,
            isTruncated: listing.isTruncated))
    }
}
