import Foundation
import HTTPTypes
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// PutObject, AppendObject, CopyObject, DeleteObject, DeleteMultipleObjects, PutSymlink, PutObjectAcl,
/// PutObjectTagging, DeleteObjectTagging (spec §7).
enum ObjectWriteHandlers {
    static let maxDeleteBodyBytes = 2 * 1024 * 1024
    static let maxDeleteKeys = 1000

    static func writeHeaders(_ record: ObjectRecord) -> HTTPFields {
        var fields = HTTPFields()
        fields[.eTag] = "\"" + record.etag + "\""
        fields[.ossHashCRC64] = String(record.crc64)
        if let md5 = record.contentMD5, record.type == .normal { fields[.contentMD5] = md5 }
        if let versionId = record.versionId { fields[.ossVersionId] = versionId }
        if let sse = record.headers.serverSideEncryption { fields[.ossServerSideEncryption] = sse }
        return fields
    }

    static func put(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        var attributes = try RequestHeaders.attributes(request)
        attributes.headers.serverSideEncryption = try RequestHeaders.encryption(request, bucket: call.bucket)
        let callback = try await CallbackResponses.parse(request, oss: oss)
        let record = try await oss.domain.objects.put(
            bucket: call.bucket, key: call.key, body: PacedStream(call.body, try TrafficLimit.of(request)), expectedLength: try RequestHeaders.contentLength(request),
            contentMD5: try RequestHeaders.expectedMD5(request), attributes: attributes,
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        if let callback {
            return await CallbackResponses.respond(oss, callback, record: record, operation: "PutObject", request: request,
                                                   caller: call.caller, headers: writeHeaders(record))
        }
        return call.inMemory(Responses.empty(headers: writeHeaders(record)))
    }

    static func append(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        guard let positionText = request.query["position"], let position = Int64(positionText), position >= 0 else {
            throw OSSError.invalidArgument("The position parameter is missing or invalid.", name: "position",
                                           value: request.query["position"])
        }
        var attributes = try RequestHeaders.attributes(request, includingTags: false)
        attributes.headers.serverSideEncryption = try RequestHeaders.encryption(request, bucket: call.bucket)
        let record = try await oss.domain.objects.append(
            bucket: call.bucket, key: call.key, position: position, body: PacedStream(call.body, try TrafficLimit.of(request)),
            expectedLength: try RequestHeaders.contentLength(request), contentMD5: try RequestHeaders.expectedMD5(request),
            attributes: attributes,
            creationTags: { try RequestHeaders.tags(request) })
        var fields = writeHeaders(record)
        fields[.ossNextAppendPosition] = String(record.size)
        return Responses.empty(headers: fields)
    }

    static func copy(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        let encryption = try RequestHeaders.encryption(request, bucket: call.bucket)
        let directive = request.header("x-oss-metadata-directive")?.uppercased() ?? "COPY"
        guard directive == "COPY" || directive == "REPLACE" else {
            throw OSSError.invalidArgument("Invalid metadata directive.", name: "x-oss-metadata-directive", value: directive)
        }
        let replacing = directive == "REPLACE" ? try RequestHeaders.attributes(request, includingTags: false) : nil
        // A copy shares the source's bytes and moves none, so a valid limit has nothing to pace.
        _ = try TrafficLimit.of(request)
        let source = try copySource(request)
        let record = try await oss.domain.workflows.copy(
            source, caller: call.caller, to: call.bucket, key: call.key, replacing: replacing,
            acl: try RequestHeaders.objectACL(request), storageClass: try RequestHeaders.storageClass(request),
            tags: try RequestHeaders.copyTags(request), encryption: encryption,
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        var fields = writeHeaders(record)
        if let sourceVersion = source.versionId { fields[.ossCopySourceVersionId] = sourceVersion }
        return Responses.xml(CopyObjectResult(etag: record.etag, lastModified: record.lastModified), headers: fields)
    }

    /// The copy source of `x-oss-copy-source` with its `x-oss-copy-source-if-*` conditions.
    static func copySource(_ request: OSSRequest) throws -> ObjectWorkflows.CopySource {
        let (bucket, key, versionId) = try parseCopySource(request.header("x-oss-copy-source") ?? "")
        return ObjectWorkflows.CopySource(bucket: bucket, key: key, versionId: versionId, conditions: Preconditions(
            ifMatch: request.header("x-oss-copy-source-if-match"),
            ifNoneMatch: request.header("x-oss-copy-source-if-none-match"),
            ifModifiedSince: request.header("x-oss-copy-source-if-modified-since"),
            ifUnmodifiedSince: request.header("x-oss-copy-source-if-unmodified-since")))
    }

    /// `/<bucket>/<url-encoded key>[?versionId=...]`; the key is decoded after splitting off the bucket.
    static func parseCopySource(_ header: String) throws -> (bucket: String, key: String, versionId: String?) {
        let malformed = OSSError.invalidArgument(
            "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.", name: "x-oss-copy-source",
            value: header)
        var text = Substring(header)
        var versionId: String?
        if let question = text.firstIndex(of: "?") {
            let query = text[text.index(after: question)...]
            text = text[..<question]
            for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.first == "versionId" else { continue }
                let value = parts.count > 1 ? PercentEncoding.decode(parts[1]) ?? "" : ""
                guard VersionID.isWellFormed(value) else {
                    throw OSSError.invalidArgument("Invalid version id specified", name: "versionId", value: value)
                }
                versionId = value
            }
        }
        if text.hasPrefix("/") { text = text.dropFirst() }
        guard let slash = text.firstIndex(of: "/") else { throw malformed }
        let bucket = String(text[..<slash])
        guard !bucket.isEmpty, let key = PercentEncoding.decode(text[text.index(after: slash)...]), !key.isEmpty else {
            throw malformed
        }
        try Names.validateObjectKey(key)
        return (bucket, key, versionId)
    }

    /// DeleteObject: in a versioned bucket the answer names the delete marker it made.
    static func delete(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let deleted = try await oss.domain.objects.delete(bucket: call.bucket.name, keys: [call.key])
        var fields = HTTPFields()
        if let marker = deleted.first?.marker {
            fields[.ossDeleteMarker] = "true"
            fields[.ossVersionId] = marker.versionId
        }
        return Responses.empty(.noContent, headers: fields)
    }

    /// DeleteObject with `versionId`: that version goes for good; the answer says whether it was a delete marker.
    static func deleteVersion(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        guard let versionId = call.versionId else { throw OSSError.invalidArgument("Invalid version id specified") }
        let deleted = try await oss.domain.objects.deleteVersions(bucket: call.bucket.name, [(call.key, versionId)])
        var fields = HTTPFields()
        fields[.ossVersionId] = versionId
        if deleted.first?.wasDeleteMarker == true { fields[.ossDeleteMarker] = "true" }
        return Responses.empty(.noContent, headers: fields)
    }

    /// Read only once the route allowed the caller to attempt it; each key is then authorized by the workflow.
    static func deleteMultiple(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: maxDeleteBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let document = try XMLBody.decode(DeleteRequest.self, from: bytes, root: "Delete", maxElements: maxDeleteKeys * 3 + 16)
        guard !document.objects.isEmpty, document.objects.count <= maxDeleteKeys else { throw OSSError.malformedXML }
        let encoding = try Listing.encodingType(call.query)
        var targets: [(key: String, versionId: String?)] = []
        for object in document.objects {
            try Names.validateObjectKey(object.key)
            if let versionId = object.versionId, !VersionID.isWellFormed(versionId) {
                throw OSSError.invalidArgument("Invalid version id specified", name: "VersionId", value: versionId)
            }
            targets.append((object.key, object.versionId))
        }
        let outcomes = try await oss.domain.workflows.delete(targets, in: call.bucket, caller: call.caller)
        let deleted = outcomes.map { outcome -> DeleteResult.Deleted in
            switch outcome {
            case .key(let deletion):
                return DeleteResult.Deleted(key: deletion.key, deleteMarker: deletion.marker != nil,
                                            deleteMarkerVersionId: deletion.marker?.versionId)
            case .version(let deletion):
                return DeleteResult.Deleted(key: deletion.key, versionId: deletion.versionId,
                                            deleteMarker: deletion.wasDeleteMarker,
                                            deleteMarkerVersionId: deletion.wasDeleteMarker ? deletion.versionId : nil)
            }
        }
        return Responses.xml(DeleteResult(deleted: document.quiet ? [] : deleted, encoding: encoding))
    }

    static func putSymlink(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let request = call.request
        // A symlink holds no bytes to encrypt; a named algorithm must still be one Silo has.
        _ = try RequestHeaders.encryption(request, bucket: call.bucket)
        guard let header = request.header("x-oss-symlink-target"), let target = PercentEncoding.decode(header) else {
            throw OSSError.invalidArgument("x-oss-symlink-target is missing or malformed.", name: "x-oss-symlink-target")
        }
        try Names.validateObjectKey(target)
        let record = try await oss.domain.objects.putSymlink(
            bucket: call.bucket, key: call.key, target: target, attributes: try RequestHeaders.attributes(request),
            forbidOverwrite: RequestHeaders.forbidOverwrite(request))
        var fields: HTTPFields = [.eTag: "\"" + record.etag + "\""]
        if let versionId = record.versionId { fields[.ossVersionId] = versionId }
        return Responses.empty(headers: fields)
    }

    /// PutObjectTagging: the body is read only after the route authorized the caller, and bounded.
    static func putTagging(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: TaggingDocument.maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let document = try XMLBody.decode(TaggingDocument.self, from: bytes, root: "Tagging",
                                          maxElements: TaggingDocument.maxElements)
        let tags = try ObjectTagSet.validated(document.tags)
        try await oss.domain.workflows.setTags(bucket: call.bucket.name, key: call.key, versionId: call.versionId, tags: tags)
        return Responses.empty(headers: versionHeader(call))
    }

    static func deleteTagging(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.workflows.setTags(bucket: call.bucket.name, key: call.key, versionId: call.versionId,
                                               tags: ObjectTagSet())
        return Responses.empty(.noContent, headers: versionHeader(call))
    }

    /// Operations on one version name it in their answer.
    static func versionHeader(_ call: OSSCall) -> HTTPFields {
        var fields = HTTPFields()
        if let versionId = call.versionId { fields[.ossVersionId] = versionId }
        return fields
    }

    static func putACL(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        guard let acl = try RequestHeaders.objectACL(call.request) else {
            throw OSSError.invalidArgument("x-oss-object-acl is required.", name: "x-oss-object-acl")
        }
        try await oss.domain.workflows.setACL(bucket: call.bucket.name, key: call.key, versionId: call.versionId, acl: acl)
        return Responses.empty(headers: versionHeader(call))
    }
}
