import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// PutBucketEncryption, GetBucketEncryption and DeleteBucketEncryption: the default server-side encryption of
/// writes that name none.
enum EncryptionHandlers {
    static func get(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        guard let algorithm = call.bucket.encryption else {
            throw OSSError(status: 404, code: "NoSuchServerSideEncryptionRule",
                           message: "The server side encryption configuration was not found.")
                .with("BucketName", call.bucket.name)
        }
        return Responses.xml(ServerSideEncryptionRule(algorithm: algorithm))
    }

    static func put(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: ServerSideEncryptionRule.maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let rule = try XMLBody.decode(ServerSideEncryptionRule.self, from: bytes, root: "ServerSideEncryptionRule",
                                      maxElements: 16)
        try await oss.domain.buckets.update(call.bucket.name, .encryption(try rule.algorithm()))
        return Responses.empty()
    }

    static func delete(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.buckets.update(call.bucket.name, .encryption(nil))
        return Responses.empty(.noContent)
    }
}
