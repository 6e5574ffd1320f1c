import Hummingbird
import NIOCore
import SiloCore
import SiloDomain
import SiloIAM
import SiloImaging
import SiloMedia
import SiloStorage

/// Every domain error, mapped once to the OSS wire error (status, `Code`, message, `x-oss-ec`, extra fields).
/// Nothing matches on code strings: each case is a type the domain declares.
enum OSSErrors {
    /// The OSS error for `error`, or nil for a fault that is not the caller's (answered `InternalError`).
    static func map(_ error: any Error) -> OSSError? {
        switch error {
        case let error as OSSError: return error
        case let error as StorageError: return map(error)
        case is BackendUnavailable:
            return OSSError(status: 503, code: "ServiceUnavailable",
                            message: "Storage is temporarily unavailable; retry later.")
        case let error as AccessDenied: return map(error)
        case let error as CredentialError: return map(error)
        case let error as ImagingError: return map(error)
        case let error as MediaError: return map(error)
        case let error as MediaJobError:
            switch error {
            case .noSuchJob(let id):
                return OSSError(status: 404, code: "NoSuchTask", message: "The specified task does not exist.").with("TaskId", id)
            }
        case let error as CallbackError: return map(error)
        case let error as IAMError:
            if case .internalFailure = error { return nil }
            return OSSError(status: 403, code: error.code, message: error.message)
        case let error as HTTPError where error.status == .contentTooLarge: return .entityTooLarge
        case is NIOTooManyBytesError: return .entityTooLarge
        default: return nil
        }
    }

    static func map(_ error: StorageError) -> OSSError {
        switch error {
        case .noSuchBucket(let name): return .noSuchBucket(name)
        case .noSuchKey(let key): return .noSuchKey(key)
        case .noSuchUpload(let id): return .noSuchUpload(id)
        case .bucketNotEmpty(let name): return .bucketNotEmpty(name)
        case .bucketAlreadyExists(let name): return .bucketAlreadyExists(name)
        case .objectExists: return .fileAlreadyExists
        case .tooLarge: return .entityTooLarge
        case .incompleteBody(let expected, let received): return .incompleteBody(expected: expected, received: received)
        case .bodyLongerThanAnnounced: return .invalidArgument("The body is longer than Content-Length.")
        case .digestMismatch: return .invalidDigest
        case .positionMismatch(let length): return .positionNotEqualToLength(length)
        case .notAppendable: return .objectNotAppendable
        case .invalidPartOrder(let message): return message.map(OSSError.invalidPartOrder) ?? .invalidPartOrder()
        case .invalidPart(let number): return OSSError.invalidPart.with("PartNumber", String(number))
        case .partTooSmall(let number): return OSSError.entityTooSmall.with("PartNumber", String(number))
        case .preconditionFailed: return .preconditionFailed
        case .symlinkTargetMissing(let key): return OSSError.symlinkTargetNotExist.with("Key", key)
        case .notSymlink: return OSSError(status: 400, code: "NotSymlink", message: "The specified object is not a symlink.")
        case .contended: return .serviceUnavailable
        case .invalidNotification(let reason): return .invalidArgument("Invalid event notification configuration: " + reason)
        case .invalidPolicy(let reason):
            return OSSError(status: 400, code: "InvalidPolicyDocument", message: "The policy document is invalid: " + reason)
        case .invalidVersionId: return .invalidArgument("Invalid version id specified", name: "versionId")
        case .noSuchVersion(let id):
            return OSSError(status: 404, code: "NoSuchVersion", message: "The specified version does not exist.")
                .with("VersionId", id)
        case .deleteMarker(let marker):
            return OSSError.noSuchKey(marker.key).withHeader("x-oss-delete-marker", "true")
                .withHeader("x-oss-version-id", marker.versionId)
        }
    }

    static func map(_ error: AccessDenied) -> OSSError {
        let message: String
        switch error.reason {
        case .acl: message = "You have no right to access this object because of bucket acl."
        case .policy(let explanation): message = "Access denied by authorizer's policy. " + explanation
        }
        return OSSError.accessDenied(message).with("Action", error.action).with("Resource", error.resource)
    }

    static func map(_ error: CredentialError) -> OSSError {
        switch error {
        case .invalidAccessKeyId(let id): return OSSError.invalidAccessKeyId.with("OSSAccessKeyId", id)
        case .invalidSecurityToken: return .invalidSecurityToken
        case .securityTokenExpired: return .securityTokenExpired
        case .keyAndTokenMismatch: return .accessKeyIdAndSecurityTokenNotMatch
        }
    }

    static func map(_ error: MediaError) -> OSSError? {
        switch error {
        case .unsupported(let message): return .notImplemented(message)
        case .badMedia(let message): return .badRequest(message)
        case .tooLarge(let message): return .invalidArgument(message, name: "x-oss-process")
        case .busy:
            return OSSError(status: 503, code: "ServiceUnavailable", message: "Too many videos are being processed; retry later.")
        case .internalFailure: return nil
        }
    }

    static func map(_ error: ImagingError) -> OSSError {
        switch error {
        case .unsupported(let message): return .notImplemented(message)
        case .tooLarge(let message): return OSSError(status: 400, code: "ImageTooLarge", message: message)
        case .badImage(let message): return .badRequest(message)
        case .watermark(let message): return OSSError(status: 400, code: "WatermarkError", message: message)
        case .invalidProcess(let message): return .invalidArgument(message, name: "x-oss-process")
        case .noSuchStyle(let name):
            return OSSError(status: 404, code: "NoSuchStyle", message: "The specified style does not exist.")
                .with("StyleName", name)
        case .tooManyStyles(let limit):
            return OSSError(status: 400, code: "TooManyStyles", message: "A bucket has at most \(limit) styles.")
        case .stylesOnly:
            return OSSError(status: 403, code: "AccessDenied",
                            message: "This server allows image processing only through the bucket's styles.")
        case .busy:
            return OSSError(status: 503, code: "ServiceUnavailable",
                            message: "Too many images are being processed; retry later.")
        case .internalFailure: return .internalError
        }
    }

    static func map(_ error: CallbackError) -> OSSError {
        switch error {
        case .notConfigured: return .unsupported("upload callback (no callback key configured)")
        case .targetRefused(let url, let reason):
            return .invalidArgument("The callbackUrl \(url) \(reason).", name: "callbackUrl")
        }
    }
}
