/// An IAM or STS failure, in the form RAM and STS report it: an HTTP status, a `Code`, a message.
public struct IAMError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func invalidParameter(_ name: String, _ message: String) -> IAMError {
        IAMError(status: 400, code: "InvalidParameter." + name, message: message)
    }
    public static func missingParameter(_ name: String) -> IAMError {
        IAMError(status: 400, code: "MissingParameter", message: "The input parameter \(name) that is mandatory for processing this request is not supplied.")
    }
    public static func notExist(_ entity: String, _ name: String) -> IAMError {
        IAMError(status: 404, code: "EntityNotExist." + entity, message: "The specified \(entity) \(name) does not exist.")
    }
    public static func alreadyExists(_ entity: String, _ name: String) -> IAMError {
        IAMError(status: 409, code: "EntityAlreadyExists." + entity, message: "The \(entity) \(name) already exists.")
    }
    public static func deleteConflict(_ message: String) -> IAMError {
        IAMError(status: 409, code: "DeleteConflict", message: message)
    }
    public static func noPermission(_ explanation: String) -> IAMError {
        IAMError(status: 403, code: "NoPermission",
                 message: "You are not authorized to do this action. You should be authorized by RAM. " + explanation)
    }
}
