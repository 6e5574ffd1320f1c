import SiloCore
import SiloDomain
import SiloIAM

/// Domain errors, mapped once to the admin API's JSON failure (`AdminFailure`) and its status.
enum AdminErrors {
    static func status(_ error: IAMError) -> Int {
        switch error {
        case .invalidParameter, .missingParameter, .malformedPolicy: return 400
        case .noPermission: return 403
        case .notExist: return 404
        case .alreadyExists, .deleteConflict, .limitExceeded: return 409
        case .internalFailure: return 500
        }
    }

    /// The status and failure for `error`, or nil for a fault that is not the caller's.
    static func map(_ error: any Error, requestId: String) -> (status: Int, failure: AdminFailure)? {
        switch error {
        case let error as IAMError:
            if case .internalFailure = error { return nil }
            return (status(error), AdminFailure(code: error.code, message: error.message, requestId: requestId))
        case let error as AccessDenied:
            let explanation: String
            switch error.reason {
            case .acl: explanation = "Anonymous callers cannot use the admin API."
            case .policy(let text): explanation = text
            }
            let denied = IAMError.noPermission(explanation)
            return (403, AdminFailure(code: denied.code, message: denied.message, requestId: requestId))
        default:
            // Authentication failures and bounded-body errors are the OSS front end's: same code, same message.
            guard let oss = OSSErrors.map(error) else { return nil }
            return (oss.status, AdminFailure(code: oss.code, message: oss.message, requestId: requestId))
        }
    }
}
