/// A request the access rules refuse: the action, the resource, and why (the policy engine's explanation).
public struct AccessDenied: Error, Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// An anonymous caller that only an ACL could have allowed.
        case acl
        /// The policy engine's decision, explained.
        case policy(String)
    }

    public var action: String
    public var resource: String
    public var reason: Reason

    public init(action: String, resource: String, reason: Reason) {
        self.action = action
        self.resource = resource
        self.reason = reason
    }
}
