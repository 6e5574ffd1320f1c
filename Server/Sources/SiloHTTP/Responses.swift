import Foundation
import HTTPTypes
import Hummingbird
import SiloCore

extension HTTPField.Name {
    static let ossRequestId = HTTPField.Name("x-oss-request-id")!
    static let ossHashCRC64 = HTTPField.Name("x-oss-hash-crc64ecma")!
    static let ossObjectType = HTTPField.Name("x-oss-object-type")!
    static let ossStorageClass = HTTPField.Name("x-oss-storage-class")!
    static let ossNextAppendPosition = HTTPField.Name("x-oss-next-append-position")!
    static let ossTaggingCount = HTTPField.Name("x-oss-tagging-count")!
    static let ossVersionId = HTTPField.Name("x-oss-version-id")!
    static let ossServerSideEncryption = HTTPField.Name("x-oss-server-side-encryption")!
    static let ossDeleteMarker = HTTPField.Name("x-oss-delete-marker")!
    static let ossCopySourceVersionId = HTTPField.Name("x-oss-copy-source-version-id")!
    static let ossErr = HTTPField.Name("x-oss-err")!
    static let ossEC = HTTPField.Name("x-oss-ec")!
    static let ossServerTime = HTTPField.Name("x-oss-server-time")!
    static let contentMD5 = HTTPField.Name("Content-MD5")!
    static let ossLastAccessTime = HTTPField.Name("x-oss-last-access-time")!
    static let ossSymlinkTarget = HTTPField.Name("x-oss-symlink-target")!
}

enum Responses {
    static func xml(_ document: some XMLRenderable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/xml"
        var buffer = ByteBuffer()
        buffer.writeBytes(document.xmlBytes())
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }

    static func empty(_ status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        if fields[.contentLength] == nil { fields[.contentLength] = "0" }
        return Response(status: status, headers: fields, body: .init())
    }

    /// The error in OSS form. Bodiless responses (HEAD, 304) carry it Base64-encoded in `x-oss-err` instead.
    static func error(_ error: OSSError, request: OSSRequest?, requestId: String, isHead: Bool) -> Response {
        let hostId = request?.host ?? ""
        let body = ErrorDocument(error: error, requestId: requestId, hostId: hostId).xmlBytes()
        var fields = HTTPFields()
        fields[.contentType] = "application/xml"
        if let ec = error.ec { fields[.ossEC] = ec }
        for header in error.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let status = HTTPResponse.Status(code: error.status)
        if isHead {
            fields[.ossErr] = Data(body).base64EncodedString()
            fields[.contentLength] = String(body.count)
            return Response(status: status, headers: fields, body: .init())
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(body)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}
