import Crypto
import Foundation
import HTTPTypes
import SiloCore
import SiloStorage

/// Parsing of the request headers that describe an object write (spec §7.2).
enum RequestHeaders {
    static let maxUserMetadataBytes = 8 * 1024

    /// The decoded `Content-MD5`, nil unless it is Base64 of 16 bytes.
    static func contentMD5(_ header: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: header), data.count == 16 else { return nil }
        return Array(data)
    }

    static func md5Base64(_ bytes: [UInt8]) -> String {
        Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
    }

    /// `Content-MD5`, validated for shape; the body check happens after streaming.
    static func expectedMD5(_ request: OSSRequest) throws -> String? {
        guard let header = request.header(.contentMD5) else { return nil }
        guard contentMD5(header) != nil else { throw OSSError.invalidDigest }
        return header
    }

    /// The declared body length; a body with neither length nor chunked framing is refused (411).
    static func contentLength(_ request: OSSRequest) throws -> Int64? {
        if let header = request.header(.contentLength) {
            guard let length = Int64(header), length >= 0 else {
                throw OSSError.invalidArgument("Content-Length is invalid.", name: "Content-Length", value: header)
            }
            return length
        }
        if let encoding = request.header(.transferEncoding), encoding.lowercased().contains("chunked") { return nil }
        throw OSSError.missingContentLength
    }

    static func objectACL(_ request: OSSRequest) throws -> ObjectACL? {
        guard let value = request.header("x-oss-object-acl") else { return nil }
        guard let acl = ObjectACL(rawValue: value) else {
            throw OSSError.invalidArgument("no such object access control exists", name: "x-oss-object-acl", value: value)
        }
        return acl
    }

    static func storageClass(_ request: OSSRequest) throws -> StorageClass? {
        guard let value = request.header("x-oss-storage-class") else { return nil }
        guard let storageClass = StorageClass(wire: value) else {
            throw OSSError.invalidArgument("Invalid storage class.", name: "x-oss-storage-class", value: value)
        }
        return storageClass
    }

    static func forbidOverwrite(_ request: OSSRequest) -> Bool {
        request.header("x-oss-forbid-overwrite")?.lowercased() == "true"
    }

    /// Rejects write features Silo does not implement, so a client never believes they took effect.
    /// The server-side encryption of a write: its `x-oss-server-side-encryption` (AES256; KMS and SM4 are
    /// declined with OSS's errors), else the bucket's default; nil for none.
    static func encryption(_ request: OSSRequest, bucket: BucketRecord) throws -> String? {
        guard let header = request.header("x-oss-server-side-encryption") else { return bucket.encryption }
        return try ServerSideEncryption.validate(header, field: "x-oss-server-side-encryption")
    }

    /// Parts and completions are encrypted as their upload was initiated; naming an encryption there is an error,
    /// as on OSS.
    static func rejectEncryptionHeaders(_ request: OSSRequest) throws {
        for name in ["x-oss-server-side-encryption", "x-oss-server-side-data-encryption",
                     "x-oss-server-side-encryption-key-id"] where request.header(name) != nil {
            throw OSSError.invalidArgument("\(name) applies to the upload as initiated, not to one request of it.",
                                           name: name, value: request.header(name))
        }
    }

    /// `x-oss-tagging`, validated; no header means no tags.
    static func tags(_ request: OSSRequest) throws -> ObjectTagSet {
        guard let header = request.header("x-oss-tagging") else { return ObjectTagSet() }
        return try ObjectTagSet.parseHeader(header)
    }

    /// `x-oss-tagging-directive` of a copy: the tags to write instead of the source's, or nil to keep them.
    static func copyTags(_ request: OSSRequest) throws -> ObjectTagSet? {
        let directive = request.header("x-oss-tagging-directive")?.uppercased() ?? "COPY"
        switch directive {
        case "COPY": return nil
        case "REPLACE": return try tags(request)
        default:
            throw OSSError.invalidArgument("Invalid tagging directive.", name: "x-oss-tagging-directive", value: directive)
        }
    }

    /// Content-Type, stored standard headers, `x-oss-meta-*` and (unless `includingTags` is false) `x-oss-tagging`
    /// of a write.
    static func attributes(_ request: OSSRequest, includingTags: Bool = true) throws -> ObjectAttributes {
        var metadata: [MetadataEntry] = []
        var metadataBytes = 0
        for field in request.headers {
            let name = field.name.canonicalName
            guard name.hasPrefix("x-oss-meta-") else { continue }
            guard Names.isValidUserMetadataName(name) else {
                throw OSSError.invalidArgument("The user metadata name is invalid.", name: field.name.rawName)
            }
            let shortName = String(name.dropFirst("x-oss-meta-".count))
            metadataBytes += shortName.utf8.count + field.value.utf8.count
            metadata.append(MetadataEntry(shortName, field.value))
        }
        if metadataBytes > maxUserMetadataBytes {
            throw OSSError.invalidArgument("Your metadata headers exceed the maximum allowed metadata size (8 KB).")
        }
        let headers = StoredHeaders(
            cacheControl: request.header(.cacheControl), contentDisposition: request.header(.contentDisposition),
            contentEncoding: request.header(.contentEncoding), contentLanguage: request.header(.contentLanguage),
            expires: request.header("Expires"))
        let contentType = request.header(.contentType).flatMap { $0.isEmpty ? nil : $0 }
        return ObjectAttributes(
            contentType: contentType, storageClass: try storageClass(request), acl: try objectACL(request) ?? .default,
            headers: headers, userMetadata: metadata, tags: includingTags ? try tags(request) : ObjectTagSet())
    }
}
