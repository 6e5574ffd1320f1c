import Foundation
import HTTPTypes
import SiloCore
import SiloDomain
import SiloIAM
import SiloImaging
import SiloStorage
import Testing

@testable import SiloHTTP

/// Each front end maps the domain's errors once, by type: OSS XML, STS JSON, admin JSON.
@Suite struct ErrorMappingTests {
    static let storage: [(StorageError, Int, String)] = [
        (.noSuchBucket("b"), 404, "NoSuchBucket"), (.noSuchKey("k"), 404, "NoSuchKey"), (.noSuchUpload("u"), 404, "NoSuchUpload"),
        (.bucketNotEmpty("b"), 409, "BucketNotEmpty"), (.bucketAlreadyExists("b"), 409, "BucketAlreadyExists"),
        (.objectExists("k"), 409, "FileAlreadyExists"), (.tooLarge, 400, "EntityTooLarge"),
        (.incompleteBody(expected: 5, received: 3), 400, "IncompleteBody"), (.digestMismatch, 400, "InvalidDigest"),
        (.positionMismatch(currentLength: 7), 409, "PositionNotEqualToLength"), (.notAppendable("k"), 409, "ObjectNotAppendable"),
        (.invalidPartOrder(nil), 400, "InvalidPartOrder"), (.invalidPart(3), 400, "InvalidPart"),
        (.partTooSmall(2), 400, "EntityTooSmall"), (.preconditionFailed, 412, "PreconditionFailed"),
        (.symlinkTargetMissing("k"), 404, "SymlinkTargetNotExist"), (.notSymlink("k"), 400, "NotSymlink"),
        (.contended, 503, "ServiceUnavailable"),
    ]

    @Test func storageErrorsBecomeOSSErrors() throws {
        for (error, status, code) in Self.storage {
            let mapped = try #require(OSSErrors.map(error as any Error), "dispatched from any Error, as the responder does")
            #expect(mapped.status == status && mapped.code == code, "\(error) → \(mapped)")
        }
        #expect(OSSErrors.map(StorageError.partTooSmall(2))?.details == [OSSError.Detail("PartNumber", "2")])
        #expect(OSSErrors.map(StorageError.positionMismatch(currentLength: 7))?.headers.contains { $0.value == "7" } == true)
    }

    @Test func accessCredentialAndImagingErrorsBecomeOSSErrors() throws {
        let denied = try #require(OSSErrors.map(AccessDenied(action: "oss:GetObject", resource: "acs:oss:*:1:b/k",
                                                              reason: .policy("Implicitly denied: …")) as any Error))
        #expect(denied.status == 403 && denied.code == "AccessDenied" && denied.message.contains("Implicitly denied"))
        #expect(denied.details == [OSSError.Detail("Action", "oss:GetObject"), OSSError.Detail("Resource", "acs:oss:*:1:b/k")])
        let credentials: [(CredentialError, String)] = [
            (.invalidAccessKeyId("LTAIx"), "InvalidAccessKeyId"), (.invalidSecurityToken, "InvalidSecurityToken"),
            (.securityTokenExpired, "SecurityTokenExpired"), (.keyAndTokenMismatch, "AccessKeyIdAndSecurityTokenNotMatch"),
        ]
        for (error, code) in credentials { #expect(OSSErrors.map(error)?.code == code, "\(error)") }
        let imaging: [(ImagingError, Int, String)] = [
            (.tooLarge("x"), 400, "ImageTooLarge"), (.watermark("x"), 400, "WatermarkError"),
            (.unsupported("x"), 400, "NotImplemented"), (.busy, 503, "ServiceUnavailable"),
            (.noSuchStyle("s"), 404, "NoSuchStyle"), (.stylesOnly, 403, "AccessDenied"), (.badImage("x"), 400, "BadRequest"),
        ]
        for (error, status, code) in imaging {
            let mapped = try #require(OSSErrors.map(error as any Error), "dispatched from any Error, as the responder does")
            #expect(mapped.status == status && mapped.code == code, "\(error) → \(mapped)")
        }
        #expect(OSSErrors.map(ImagingError.internalFailure("x"))?.status == 500)
        #expect(OSSErrors.map(CocoaError(.fileNoSuchFile)) == nil, "a fault that is not the caller's is an internal error")
    }

    @Test func ossErrorsRenderAsXMLAndInAHeaderForHEAD() throws {
        let error = OSSError.noSuchKey("a&b")
        let body = Responses.error(error, request: nil, requestId: "R1", isHead: false)
        #expect(body.status == .notFound && body.headers[.contentType] == "application/xml")
        let head = Responses.error(error, request: nil, requestId: "R1", isHead: true)
        let encoded = try #require(head.headers[HTTPField.Name("x-oss-err")!])
        let document = String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
        #expect(document.contains("<Code>NoSuchKey</Code>") && document.contains("<RequestId>R1</RequestId>"))
    }

    @Test func stsAndAdminMapTheirOwnWay() throws {
        #expect(STSErrors.map(CredentialError.securityTokenExpired)?.code == "InvalidSecurityToken.Expired")
        #expect(STSErrors.map(CredentialError.invalidAccessKeyId("x"))?.code == "InvalidAccessKeyId.NotFound")
        #expect(STSErrors.map(IAMError.notExist("Role", "r"))?.status == 404)
        #expect(STSErrors.map(IAMError.internalFailure("sealed")) == nil)
        let cases: [(IAMError, Int, String)] = [
            (.notExist("User", "u"), 404, "EntityNotExist.User"), (.alreadyExists("Role", "r"), 409, "EntityAlreadyExists.Role"),
            (.invalidParameter("Name", "bad"), 400, "InvalidParameter.Name"), (.noPermission("x"), 403, "NoPermission"),
            (.deleteConflict("x"), 409, "DeleteConflict"), (.malformedPolicy("x"), 400, "MalformedPolicyDocument"),
        ]
        for (error, status, code) in cases {
            let mapped = try #require(AdminErrors.map(error, requestId: "R"))
            #expect(mapped.status == status && mapped.failure.code == code && mapped.failure.requestId == "R", "\(error)")
        }
        #expect(AdminErrors.map(IAMError.internalFailure("x"), requestId: "R") == nil)
    }
}
