import Foundation
import SiloCore

/// One part of a multipart upload, as uploaded or listed.
public struct UploadedPart: Sendable, Hashable, Codable {
    public var partNumber: Int
    public var etag: String
    public var size: Int64
    public var crc64: UInt64?

    public init(partNumber: Int, etag: String, size: Int64, crc64: UInt64?) {
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
        self.crc64 = crc64
    }
}

extension Bucket {
    /// Starts a multipart upload; the object's metadata, ACL and type are fixed now.
    public func initiateMultipartUpload(_ key: String, options: ObjectOptions = ObjectOptions()) async throws -> String {
        try Self.validate(key: key)
        var query = QueryParameters()
        query.append("uploads")
        // A repeated initiate only leaves an unused upload behind, which expires; safe to retry.
        var request = ClientRequest(method: .post, bucket: name, key: key, query: query)
        options.apply(to: &request, key: key, callback: false)
        let (_, result) = try await client.sendForXML(request, as: InitiateMultipartUploadResult.self)
        return result.uploadId
    }

    /// Uploads one part (1...10000; every part but the last at least 100 KiB).
    public func uploadPart(_ key: String, uploadId: String, partNumber: Int, body: RequestBody,
                           progress: TransferProgress.Reporter? = nil) async throws -> UploadedPart {
        try Self.validate(key: key)
        guard (1...10_000).contains(partNumber) else {
            throw OSSClientError.invalidArgument("part number \(partNumber) is outside 1...10000")
        }
        var query = QueryParameters()
        query.append("partNumber", String(partNumber))
        query.append("uploadId", uploadId)
        var request = ClientRequest(method: .put, bucket: name, key: key, query: query, body: body,
                                    checksum: .upload(initial: 0))
        if let progress {
            // A failed attempt's bytes are taken back, so the total never counts a part twice.
            let sent = Locked<Int64>(0)
            request.onBytesSent = { count in
                sent.withLock { $0 += count }
                progress.advance(count)
            }
            do {
                let (response, _) = try await client.sendForData(request)
                return UploadedPart(partNumber: partNumber, etag: ObjectInfo.unquote(response.header("ETag") ?? ""),
                                    size: body.length ?? 0, crc64: WriteResult(response).crc64)
            } catch {
                progress.rewind(sent.current)
                throw error
            }
        }
        let (response, _) = try await client.sendForData(request)
        return UploadedPart(partNumber: partNumber, etag: ObjectInfo.unquote(response.header("ETag") ?? ""),
                            size: body.length ?? 0, crc64: WriteResult(response).crc64)
    }

    /// Joins the parts, in ascending part-number order. With `expectedCRC` (the combined CRC-64 of the
    /// parts) the object the server assembled is checked.
    public func completeMultipartUpload(_ key: String, uploadId: String, parts: [UploadedPart],
                                        expectedCRC: UInt64? = nil, options: ObjectOptions? = nil) async throws -> WriteResult {
        try Self.validate(key: key)
        var query = QueryParameters()
        query.append("uploadId", uploadId)
        let sorted = parts.sorted { $0.partNumber < $1.partNumber }
        let body = Data(CompleteMultipartUploadRequest(parts: sorted.map { .init(partNumber: $0.partNumber, etag: $0.etag) })
            .xmlBytes())
        // Not retried blindly: a complete that succeeded but lost its answer would come back as NoSuchUpload.
        var request = ClientRequest(method: .post, bucket: name, key: key, query: query, body: .data(body), idempotent: false)
        request.setHeader("Content-Type", "application/xml")
        if let options {
            for (name, value) in options.extraHeaders { request.setHeader(name, value) }
            options.applyCallback(to: &request)
        }
        let (response, data) = try await client.sendForData(request)
        let result = WriteResult(response, body: data)
        if client.configuration.checksumValidation, let expectedCRC, let reported = result.crc64, reported != expectedCRC {
            throw OSSClientError.crcMismatch(expected: expectedCRC, actual: reported, requestId: result.requestId)
        }
        return result
    }

    public func abortMultipartUpload(_ key: String, uploadId: String) async throws {
        var query = QueryParameters()
        query.append("uploadId", uploadId)
        _ = try await client.sendForData(ClientRequest(method: .delete, bucket: name, key: key, query: query))
    }

    /// Every part stored so far, all pages.
    public func listParts(_ key: String, uploadId: String) async throws -> [UploadedPart] {
        var parts: [UploadedPart] = []
        var marker = 0
        while true {
            var query = QueryParameters()
            query.append("uploadId", uploadId)
            query.append("max-parts", "1000")
            query.append("part-number-marker", String(marker))
            let (_, page) = try await client.sendForXML(ClientRequest(method: .get, bucket: name, key: key, query: query),
                                                        as: ListPartsResult.self)
            parts += page.parts.map { UploadedPart(partNumber: $0.partNumber, etag: $0.etag, size: $0.size, crc64: $0.crc64) }
            guard page.isTruncated, page.nextPartNumberMarker > marker else { return parts }
            marker = page.nextPartNumberMarker
        }
    }

    /// The unfinished uploads under `prefix`, all pages.
    public func listMultipartUploads(prefix: String = "") async throws -> [MultipartUploadSummary] {
        var uploads: [MultipartUploadSummary] = []
        var keyMarker = ""
        var uploadIdMarker = ""
        while true {
            var query = QueryParameters()
            query.append("uploads")
            query.append("prefix", prefix)
            query.append("max-uploads", "1000")
            query.append("encoding-type", "url")
            if !keyMarker.isEmpty {
                query.append("key-marker", keyMarker)
                query.append("upload-id-marker", uploadIdMarker)
            }
            let (_, page) = try await client.sendForXML(ClientRequest(method: .get, bucket: name, query: query),
                                                        as: ListMultipartUploadsResult.self)
            uploads += page.uploads
            guard page.isTruncated, !page.nextKeyMarker.isEmpty else { return uploads }
            keyMarker = page.nextKeyMarker
            uploadIdMarker = page.nextUploadIdMarker
        }
    }
}
