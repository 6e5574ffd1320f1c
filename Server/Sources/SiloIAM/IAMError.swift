/// What identity management refuses, in RAM's own vocabulary (its error codes are part of the domain: the RAM
/// and STS APIs name them). Nothing here knows HTTP: each front end maps these once (admin JSON, STS JSON, OSS
/// XML).
public enum IAMError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidParameter(name: String, message: String)
    case missingParameter(String)
    case notExist(entity: String, name: String)
    case alreadyExists(entity: String, name: String)
    case deleteConflict(String)
    case limitExceeded(code: String, message: String)
    /// The caller may not do this; the explanation is the policy engine's.
    case noPermission(String)
    case malformedPolicy(String)
    /// Sealed state cannot be opened (the wrong master key), or another fault that is not the caller's.
    case internalFailure(String)

    /// RAM's error code.
    public var code: String {
        switch self {
        case .invalidParameter(let name, _): return "InvalidParameter." + name
        case .missingParameter: return "MissingParameter"
        case .notExist(let entity, _): return "EntityNotExist." + entity
        case .alreadyExists(let entity, _): return "EntityAlreadyExists." + entity
        case .deleteConflict: return "DeleteConflict"
        case .limitExceeded(let code, _): return code
        case .noPermission: return "NoPermission"
        case .malformedPolicy: return "MalformedPolicyDocument"
        case .internalFailure: return "InternalError"
        }
    }

    public var message: String {
        switch self {
        case .invalidParameter(_, let message), .deleteConflict(let message), .limitExceeded(_, let message),
             .malformedPolicy(let message), .internalFailure(let message):
            return message
        case .missingParameter(let name):
            return "The input parameter \(name) that is mandatory for processing this request is not supplied."
        case .notExist(let entity, let name): return "The specified \(entity) \(name) does not exist."
        case .alreadyExists(let entity, let name): return "The \(entity) \(name) already exists."
        case .noPermission(let explanation):
            return "You are not authorized to do this action. You should be authorized by RAM. " + explanation
        }
    }

    public var description: String { "\(code): \(message)" }

    public static func invalidParameter(_ name: String, _ message: String) -> IAMError {
        .invalidParameter(name: name, message: message)
    }
    public static func notExist(_ entity: String, _ name: String) -> IAMError { .notExist(entity: entity, name: name) }
    public static func alreadyExists(_ entity: String, _ name: String) -> IAMError {
        .alreadyExists(entity: entity, name: name)
    }
}

/// Why a signature's key could not be resolved (spec §3.1). The OSS front end answers these as
/// `InvalidAccessKeyId`, `InvalidSecurityToken`…; STS as its own codes.
public enum CredentialError: Error, Sendable, Hashable {
    case invalidAccessKeyId(String)
    /// Missing, forged, foreign, or its role is gone.
    case invalidSecurityToken
    case securityTokenExpired
    /// A token lifted from another session, or sent with a long-term key.
    case keyAndTokenMismatch
}
