/// The values an admin path template names (`users/{user}/keys/{accessKeyId}`).
public protocol AdminPathParameters: Sendable {
    /// From the values a request's path matched, by name; nil when one is missing.
    init?(_ values: [String: String])
    var values: [String: String] { get }
}

public struct NoPathParameters: AdminPathParameters, Hashable {
    public init() {}
    public init?(_ values: [String: String]) {}
    public var values: [String: String] { [:] }
}

public struct BucketPath: AdminPathParameters, Hashable {
    public var bucket: String
    public init(bucket: String) { self.bucket = bucket }
    public init?(_ values: [String: String]) {
        guard let bucket = values["bucket"] else { return nil }
        self.bucket = bucket
    }
    public var values: [String: String] { ["bucket": bucket] }
}

public struct BucketJobPath: AdminPathParameters, Hashable {
    public var bucket: String
    public var job: String
    public init(bucket: String, job: String) {
        self.bucket = bucket
        self.job = job
    }
    public init?(_ values: [String: String]) {
        guard let bucket = values["bucket"], let job = values["job"] else { return nil }
        self.bucket = bucket
        self.job = job
    }
    public var values: [String: String] { ["bucket": bucket, "job": job] }
}

public struct UserPath: AdminPathParameters, Hashable {
    public var user: String
    public init(user: String) { self.user = user }
    public init?(_ values: [String: String]) {
        guard let user = values["user"] else { return nil }
        self.user = user
    }
    public var values: [String: String] { ["user": user] }
}

public struct UserKeyPath: AdminPathParameters, Hashable {
    public var user: String
    public var accessKeyId: String
    public init(user: String, accessKeyId: String) {
        self.user = user
        self.accessKeyId = accessKeyId
    }
    public init?(_ values: [String: String]) {
        guard let user = values["user"], let key = values["accessKeyId"] else { return nil }
        self.init(user: user, accessKeyId: key)
    }
    public var values: [String: String] { ["user": user, "accessKeyId": accessKeyId] }
}

public struct UserPolicyPath: AdminPathParameters, Hashable {
    public var user: String
    public var policy: String
    public init(user: String, policy: String) {
        self.user = user
        self.policy = policy
    }
    public init?(_ values: [String: String]) {
        guard let user = values["user"], let policy = values["policy"] else { return nil }
        self.init(user: user, policy: policy)
    }
    public var values: [String: String] { ["user": user, "policy": policy] }
}

public struct RolePath: AdminPathParameters, Hashable {
    public var role: String
    public init(role: String) { self.role = role }
    public init?(_ values: [String: String]) {
        guard let role = values["role"] else { return nil }
        self.role = role
    }
    public var values: [String: String] { ["role": role] }
}

public struct RolePolicyPath: AdminPathParameters, Hashable {
    public var role: String
    public var policy: String
    public init(role: String, policy: String) {
        self.role = role
        self.policy = policy
    }
    public init?(_ values: [String: String]) {
        guard let role = values["role"], let policy = values["policy"] else { return nil }
        self.init(role: role, policy: policy)
    }
    public var values: [String: String] { ["role": role, "policy": policy] }
}

public struct PolicyPath: AdminPathParameters, Hashable {
    public var policy: String
    public init(policy: String) { self.policy = policy }
    public init?(_ values: [String: String]) {
        guard let policy = values["policy"] else { return nil }
        self.policy = policy
    }
    public var values: [String: String] { ["policy": policy] }
}

public enum AdminMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
}

/// One admin API operation, declared once: how it is addressed, the RAM action and resource that authorize it,
/// and the types of its path, body and answer. The server's router, the OpenAPI document and the SDK's
/// `AdminClient` are all derived from these values (`AdminAPI`).
public struct AdminOperation<Path: AdminPathParameters, Body: AdminDocument, Output: AdminDocument>: Sendable {
    /// The operation's name, as RAM names actions (`CreateUser`).
    public let id: String
    public let method: AdminMethod
    /// Relative to `/-/admin/v1/`; `{name}` segments are path parameters.
    public let path: String
    /// The RAM action the caller needs (`ram:CreateUser`).
    public let action: String
    /// The resource it is needed on, after `acs:<service>::<account>:`; `{name}` comes from the path or the
    /// body's `resourceValues`.
    public let resource: String
    /// The service named in the resource ARN: `ram`, `sts` or `silo`.
    public let service: String
    public let summary: String
    /// 200, 201 (created) or 204 (no body).
    public let status: Int

    public init(_ id: String, _ method: AdminMethod, _ path: String, action: String, resource: String,
                service: String = "ram", status: Int = 200, summary: String) {
        self.id = id
        self.method = method
        self.path = path
        self.action = action
        self.resource = resource
        self.service = service
        self.summary = summary
        self.status = status
    }

    /// The resource ARN a call is authorized on.
    /// The resource ARN when the path alone names it, so the request can be authorized before its body is
    /// read; nil when the body names part of it (CreateUser's `name`).
    public func resourceARN(account: String, path: Path) -> String? {
        let values = path.values
        guard AdminPathTemplate.parameters(resource).allSatisfy({ values[$0] != nil }) else { return nil }
        return arnPrefix(account: account) + AdminPathTemplate.fill(resource, values)
    }

    public func resourceARN(account: String, path: Path, body: Body) -> String {
        var values = body.resourceValues
        for (name, value) in path.values { values[name] = value }
        return arnPrefix(account: account) + AdminPathTemplate.fill(resource, values)
    }

    /// OSS resources carry a region (`acs:oss:*:<account>:<bucket>`, as bucket policies name them); RAM and STS
    /// resources do not.
    func arnPrefix(account: String) -> String {
        service == "oss" ? "acs:oss:*:\(account):" : "acs:\(service)::\(account):"
    }

    public var erased: AnyAdminOperation {
        AnyAdminOperation(id: id, method: method, path: path, action: action, resource: resource, service: service,
                          summary: summary, status: status, body: Body.self, output: Output.self)
    }
}

/// An operation without its types, for walking the table (router checks, the OpenAPI document).
public struct AnyAdminOperation: Sendable {
    public let id: String
    public let method: AdminMethod
    public let path: String
    public let action: String
    public let resource: String
    public let service: String
    public let summary: String
    public let status: Int
    public let body: any AdminDocument.Type
    public let output: any AdminDocument.Type

    /// The path's parameter names, in order.
    public var parameters: [String] { AdminPathTemplate.parameters(path) }

    /// The parameter values when `segments` (the request path after `admin/v1/`, split on `/`) match.
    public func match(_ method: AdminMethod, _ segments: [String]) -> [String: String]? {
        guard method == self.method else { return nil }
        return AdminPathTemplate.match(path, segments)
    }
}

/// `{name}` templates: filling them for requests, matching them for routing.
public enum AdminPathTemplate {
    static func segments(_ template: String) -> [Substring] { template.split(separator: "/") }

    public static func parameters(_ template: String) -> [String] {
        segments(template).compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            out += values[name] ?? "*"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    public static func match(_ template: String, _ segments: [String]) -> [String: String]? {
        let parts = self.segments(template)
        guard parts.count == segments.count else { return nil }
        var values: [String: String] = [:]
        for (part, segment) in zip(parts, segments) {
            if part.hasPrefix("{") && part.hasSuffix("}") {
                guard !segment.isEmpty else { return nil }
                values[String(part.dropFirst().dropLast())] = segment
            } else if part != segment {
                return nil
            }
        }
        return values
    }
}
