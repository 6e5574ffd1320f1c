import SiloIAM
import SiloStorage

/// Domain errors, mapped once to STS's error document (spec §15.6).
enum STSErrors {
    static func map(_ error: any Error) -> STSError? {
        switch error {
        case let error as STSError: return error
        case is BackendUnavailable:
            return STSError(status: 503, code: "ServiceUnavailable", message: "The service is temporarily unavailable.")
        case let error as CredentialError:
            switch error {
            case .invalidAccessKeyId: return .accessKeyNotFound
            case .securityTokenExpired:
                return STSError(status: 400, code: "InvalidSecurityToken.Expired", message: "Specified SecurityToken is expired.")
            case .keyAndTokenMismatch:
                return STSError(status: 400, code: "InvalidSecurityToken.MismatchWithAccessKey",
                                message: "Specified SecurityToken mismatch with the AccessKey.")
            case .invalidSecurityToken:
                return STSError(status: 400, code: "InvalidSecurityToken.Malformed", message: "Specified SecurityToken is malformed.")
            }
        case let error as IAMError:
            if case .internalFailure = error { return nil }
            return STSError(status: AdminErrors.status(error), code: error.code, message: error.message)
        default:
            return nil
        }
    }
}
