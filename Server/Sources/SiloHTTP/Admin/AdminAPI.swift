import Foundation
import HTTPTypes
import Hummingbird
import SiloCore
import SiloIAM
import SiloPolicy
import SiloStorage

/// The admin API: JSON over HTTP at `/-/admin/v1/...` on the OSS listener (`-` can never be a bucket name).
/// Requests are signed like OSS requests (bucket `-`, key `admin/v1/...`) and authorized by RAM policy;
/// the account root may do anything.
extension OSSService {
    static let adminPrefix = "admin/v1/"
    static let maxAdminBodyBytes = 64 * 1024

    struct AdminCall {
        let method: HTTPRequest.Method
        let segments: [String]
        let body: [UInt8]
        let caller: Caller
    }

    func admin(_ request: OSSRequest, body: RequestBody, principal: Principal, caller: Caller) async throws -> Response {
        do {
            guard let key = request.key, key.hasPrefix(Self.adminPrefix) else { throw IAMError.notExist("Resource", request.key ?? "/") }
            let segments = key.dropFirst(Self.adminPrefix.count).split(separator: "/").map(String.init)
            if request.method == .get && segments == ["openapi.json"] {
                var buffer = ByteBuffer()
                buffer.writeString(AdminOpenAPI.document)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
            }
            guard !principal.isAnonymous else {
                throw IAMError(status: 403, code: "NoPermission", message: "The admin API requires a signed request.")
            }
            let bytes = try await collect(body, limit: Self.maxAdminBodyBytes, tooLarge: .invalidArgument("The body is too large."))
            return try await route(AdminCall(method: request.method, segments: segments, body: bytes, caller: caller))
        } catch let error as IAMError {
            return adminJSON(AdminDocuments.Failure(code: error.code, message: error.message, requestId: request.requestId),
                             status: HTTPResponse.Status(code: error.status))
        } catch let error as OSSError {
            return adminJSON(AdminDocuments.Failure(code: error.code, message: error.message, requestId: request.requestId),
                             status: HTTPResponse.Status(code: error.status))
        }
    }

    private func route(_ call: AdminCall) async throws -> Response {
        let account = iam.accountId
        func arn(_ kind: String, _ name: String) -> String { "acs:ram::\(account):\(kind)/\(name)" }
        let segments = call.segments
        if call.method == .get, match(segments, "users") != nil {
            try await allow(call, "ram:ListUsers", arn("user", "*"))
            return adminJSON(try await iam.listUsers().map(AdminDocuments.User.init))
        }
        if call.method == .post, match(segments, "users") != nil {
            let input = try decode(AdminDocuments.CreateUser.self, call)
            try await allow(call, "ram:CreateUser", arn("user", input.name))
            return adminJSON(AdminDocuments.User(try await iam.createUser(name: input.name, displayName: input.displayName)),
                             status: .created)
        }
        if call.method == .get, let captured = match(segments, "users/:") {
            let name = captured[0]
            try await allow(call, "ram:GetUser", arn("user", name))
            return adminJSON(AdminDocuments.User(try await iam.user(name)))
        }
        if call.method == .delete, let captured = match(segments, "users/:") {
            let name = captured[0]
            try await allow(call, "ram:DeleteUser", arn("user", name))
            try await iam.deleteUser(name)
            return Responses.empty(.noContent)
        }
        if call.method == .get, let captured = match(segments, "users/:/keys") {
            let name = captured[0]
            try await allow(call, "ram:ListAccessKeys", arn("user", name))
            return adminJSON(try await iam.accessKeys(user: name).map { AdminDocuments.AccessKey($0) })
        }
        if call.method == .post, let captured = match(segments, "users/:/keys") {
            let name = captured[0]
            try await allow(call, "ram:CreateAccessKey", arn("user", name))
            let (record, secret) = try await iam.createAccessKey(user: name)
            return adminJSON(AdminDocuments.AccessKey(record, secret: secret), status: .created)
        }
        if call.method == .put, let captured = match(segments, "users/:/keys/:") {
            let name = captured[0], id = captured[1]
            try await allow(call, "ram:UpdateAccessKey", arn("user", name))
            let input = try decode(AdminDocuments.UpdateKey.self, call)
            guard let status = AccessKeyStatus(rawValue: input.status) else {
                throw IAMError.invalidParameter("Status", "Status is Active or Inactive.")
            }
            try await iam.setAccessKeyStatus(user: name, accessKeyId: id, status: status)
            return Responses.empty(.noContent)
        }
        if call.method == .delete, let captured = match(segments, "users/:/keys/:") {
            let name = captured[0], id = captured[1]
            try await allow(call, "ram:DeleteAccessKey", arn("user", name))
            try await iam.deleteAccessKey(user: name, accessKeyId: id)
            return Responses.empty(.noContent)
        }
        if call.method == .get, let captured = match(segments, "users/:/policies") {
            let name = captured[0]
            try await allow(call, "ram:ListPoliciesForUser", arn("user", name))
            _ = try await iam.user(name)
            return adminJSON(AdminDocuments.Names(names: try await iam.attachedPolicies(.user(name))))
        }
        if call.method == .put, let captured = match(segments, "users/:/policies/:") {
            let name = captured[0], policy = captured[1]
            try await allow(call, "ram:AttachPolicyToUser", arn("user", name))
            try await iam.attach(policy: policy, to: .user(name))
            return Responses.empty(.noContent)
        }
        if call.method == .delete, let captured = match(segments, "users/:/policies/:") {
            let name = captured[0], policy = captured[1]
            try await allow(call, "ram:DetachPolicyFromUser", arn("user", name))
            try await iam.detach(policy: policy, from: .user(name))
            return Responses.empty(.noContent)
        }
        if call.method == .get, match(segments, "roles") != nil {
            try await allow(call, "ram:ListRoles", arn("role", "*"))
            return adminJSON(try await iam.listRoles().map(roleDocument))
        }
        if call.method == .post, match(segments, "roles") != nil {
            let input = try decode(AdminDocuments.CreateRole.self, call)
            try await allow(call, "ram:CreateRole", arn("role", input.name))
            let trust = input.trustPolicy
                ?? #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::\#(account):root"]}}]}"#
            let role = try await iam.createRole(name: input.name, trustPolicy: trust,
                                                maxSessionDuration: input.maxSessionDuration, description: input.description)
            return adminJSON(roleDocument(role), status: .created)
        }
        if call.method == .get, let captured = match(segments, "roles/:") {
            let name = captured[0]
            try await allow(call, "ram:GetRole", arn("role", name))
            return adminJSON(roleDocument(try await iam.role(name)))
        }
        if call.method == .delete, let captured = match(segments, "roles/:") {
            let name = captured[0]
            try await allow(call, "ram:DeleteRole", arn("role", name))
            try await iam.deleteRole(name)
            return Responses.empty(.noContent)
        }
        if call.method == .get, let captured = match(segments, "roles/:/policies") {
            let name = captured[0]
            try await allow(call, "ram:ListPoliciesForRole", arn("role", name))
            _ = try await iam.role(name)
            return adminJSON(AdminDocuments.Names(names: try await iam.attachedPolicies(.role(name))))
        }
        if call.method == .put, let captured = match(segments, "roles/:/policies/:") {
            let name = captured[0], policy = captured[1]
            try await allow(call, "ram:AttachPolicyToRole", arn("role", name))
            try await iam.attach(policy: policy, to: .role(name))
            return Responses.empty(.noContent)
        }
        if call.method == .delete, let captured = match(segments, "roles/:/policies/:") {
            let name = captured[0], policy = captured[1]
            try await allow(call, "ram:DetachPolicyFromRole", arn("role", name))
            try await iam.detach(policy: policy, from: .role(name))
            return Responses.empty(.noContent)
        }
        if call.method == .get, match(segments, "policies") != nil {
            try await allow(call, "ram:ListPolicies", arn("policy", "*"))
            return adminJSON(try await iam.listPolicies().map(AdminDocuments.PolicyDocument.init))
        }
        if call.method == .post, match(segments, "policies") != nil {
            let input = try decode(AdminDocuments.CreatePolicy.self, call)
            try await allow(call, "ram:CreatePolicy", arn("policy", input.name))
            let record = try await iam.createPolicy(name: input.name, document: input.document, description: input.description)
            return adminJSON(AdminDocuments.PolicyDocument(record), status: .created)
        }
        if call.method == .get, let captured = match(segments, "policies/:") {
            let name = captured[0]
            try await allow(call, "ram:GetPolicy", arn("policy", name))
            return adminJSON(AdminDocuments.PolicyDocument(try await iam.policy(name)))
        }
        if call.method == .delete, let captured = match(segments, "policies/:") {
            let name = captured[0]
            try await allow(call, "ram:DeletePolicy", arn("policy", name))
            try await iam.deletePolicy(name)
            return Responses.empty(.noContent)
        }
        if call.method == .post, match(segments, "simulate") != nil {
            try await allow(call, "ram:SimulatePolicy", "acs:ram::\(account):*")
            return adminJSON(AdminDocuments.SimulationResult(try await simulate(try decode(AdminDocuments.Simulate.self, call))))
        }
        if call.method == .get, match(segments, "stats") != nil {
            try await allow(call, "silo:GetServerStats", "acs:silo::\(account):*")
            return adminJSON(requests.snapshot)
        }
        if call.method == .post, match(segments, "sts/keys") != nil {
            try await allow(call, "sts:RotateTokenKey", "acs:sts::\(account):*")
            return adminJSON(AdminDocuments.TokenKey(keyId: try await iam.rotateTokenKey()), status: .created)
        }
        throw IAMError(status: 404, code: "InvalidAction.NotFound",
                   message: "No admin operation \(call.method.rawValue) /-/admin/v1/\(call.segments.joined(separator: "/")).")
    }

    /// `users/:/keys` matches `users/alice/keys` and yields `["alice"]`; nil when the path differs.
    private func match(_ segments: [String], _ pattern: String) -> [String]? {
        let parts = pattern.split(separator: "/").map(String.init)
        guard parts.count == segments.count else { return nil }
        var captured: [String] = []
        for (part, segment) in zip(parts, segments) {
            if part == ":" { captured.append(segment) } else if part != segment { return nil }
        }
        return captured
    }

    private func roleDocument(_ role: RoleRecord) -> AdminDocuments.Role {
        AdminDocuments.Role(name: role.name, id: role.id, arn: iam.roleArn(role.name), trustPolicy: role.trustPolicy,
                            maxSessionDuration: role.maxSessionDuration, description: role.description,
                            createdAt: AdminDocuments.iso(role.createdAt))
    }

    private func allow(_ call: AdminCall, _ action: String, _ resource: String) async throws {
        let decision = try await iam.decide(call.caller.principal, action: action, resource: resource,
                                            values: call.caller.sourceIP.map { ["acs:SourceIp": [$0]] } ?? [:])
        guard decision.allowed else { throw IAMError.noPermission(decision.description) }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ call: AdminCall) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(call.body))
        } catch {
            throw IAMError(status: 400, code: "InvalidParameter", message: "The request body is not the expected JSON: \(error)")
        }
    }

    func adminJSON(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var buffer = ByteBuffer()
        buffer.writeBytes((try? encoder.encode(value)) ?? Data("{}".utf8))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    /// "Explain this 403": the decision for a principal, action and resource, with the statement that decided.
    func simulate(_ input: AdminDocuments.Simulate) async throws -> Decision {
        let parts = input.principal.split(separator: "/").map(String.init)
        let principal: Principal
        switch parts.first {
        case "root": principal = .root(accessKeyId: "simulated")
        case "anonymous": principal = .anonymous
        case "user" where parts.count == 2:
            let user = try await iam.user(parts[1])
            principal = .user(name: user.name, id: user.id, accessKeyId: "simulated")
        case "role" where parts.count >= 2:
            let role = try await iam.role(parts[1])
            principal = .roleSession(RoleSession(
                accessKeyId: "simulated", roleName: role.name, roleId: role.id, roleArn: iam.roleArn(role.name),
                sessionName: parts.count > 2 ? parts[2] : "simulation", expiration: Int64.max, sessionPolicy: input.sessionPolicy))
        default:
            throw IAMError.invalidParameter("Principal", "principal is root, anonymous, user/<name> or role/<name>[/<session>].")
        }
        var authorization = AuthorizationInput()
        if case .root = principal { authorization.isAccountRoot = true }
        authorization.identityPolicies = try await iam.identityPolicies(for: principal)
        do {
            authorization.sessionPolicy = try await iam.sessionPolicy(for: principal)
            if let text = input.bucketPolicy { authorization.resourcePolicy = NamedPolicy("the bucket policy", try Policy(json: text)) }
        } catch {
            throw IAMError(status: 400, code: "MalformedPolicyDocument", message: "A policy given to simulate is invalid.")
        }
        return Authorizer.decide(authorization, RequestContext(
            action: input.action, resource: input.resource, principal: principal.identity(account: iam.accountId),
            values: input.context ?? [:]))
    }
}
