import SiloIAM

/// Who is asking, and the facts about the request that policy conditions may test.
public struct Caller: Sendable {
    public let principal: Principal
    public let sourceIP: String?
    public let userAgent: String?
    public let accessKeyId: String?

    public init(principal: Principal, sourceIP: String?, userAgent: String?, accessKeyId: String? = nil) {
        self.principal = principal
        self.sourceIP = sourceIP
        self.userAgent = userAgent
        self.accessKeyId = accessKeyId ?? principal.accessKeyId
    }

    public var isAnonymous: Bool { principal.isAnonymous }

    /// The same request, acting as another principal (PostObject's form credentials).
    public func acting(as principal: Principal) -> Caller {
        Caller(principal: principal, sourceIP: sourceIP, userAgent: userAgent, accessKeyId: principal.accessKeyId)
    }
}

/// What the bucket and object ACLs can grant an operation.
public enum ACLScope: Sendable, Hashable {
    case none
    case read
    case write
}
