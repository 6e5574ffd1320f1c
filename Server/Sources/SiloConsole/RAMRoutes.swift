import Foundation
import Hummingbird
import SiloCore
import SiloDomain

extension ConsoleFrontEnd {
    /// Users, keys, policies, roles and the simulator: each an admin operation called in process as the signed-in
    /// key, so the console can do exactly what the admin API would let that key do.
    func addRAMRoutes(to router: Router<ConsoleContext>) {
        router.get("/ram") { request, context in
            let session = try self.session(request)
            let caller = self.caller(session, context, request)
            let users = try await oss.admin(AdminAPI.listUsers, path: NoPathParameters(), body: AdminEmpty(), caller: caller)
            let policies = try await oss.admin(AdminAPI.listPolicies, path: NoPathParameters(), body: AdminEmpty(), caller: caller)
            let roles = try await oss.admin(AdminAPI.listRoles, path: NoPathParameters(), body: AdminEmpty(), caller: caller)
            return page("RAM", "ram", [
                "users": users.map { ["name": $0.name, "urlName": Self.encodePath($0.name), "displayName": $0.displayName,
                                      "createdAt": $0.createdAt] },
                "policies": policies.map { ["name": $0.name, "document": $0.document] },
                "roles": roles.map { ["name": $0.name, "urlName": Self.encodePath($0.name), "arn": $0.arn, "trustPolicy": $0.trustPolicy] },
                "draft": #"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["acs:oss:*:*:BUCKET/*"]}]}"#,
            ], session: session, notice: Self.notice(request))
        }

        router.post("/ram/users") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let name = try form.required("name", label: "The user's name")
            _ = try await oss.admin(AdminAPI.createUser, path: NoPathParameters(), body: AdminCreateUser(name: name),
                                    caller: caller(session, context, request))
            return Self.redirect("/ram/users/\(Self.encodePath(name))" + Self.query([("notice", "Created the user \(name).")]))
        }

        router.post("/ram/policies") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let name = try form.required("name", label: "The policy's name")
            let document = try form.required("document", label: "The policy document")
            // The admin API validates the document (JSON, grammar, actions) and says what is wrong with it.
            _ = try await oss.admin(AdminAPI.createPolicy, path: NoPathParameters(),
                                    body: AdminCreatePolicy(name: name, document: document), caller: caller(session, context, request))
            return Self.redirect("/ram" + Self.query([("notice", "Created the policy \(name).")]))
        }

        router.get("/ram/users/{user}") { request, context in
            let session = try self.session(request)
            let caller = self.caller(session, context, request)
            let user = try Self.userName(context)
            let path = UserPath(user: user)
            let keys = try await oss.admin(AdminAPI.listAccessKeys, path: path, body: AdminEmpty(), caller: caller)
            let attached = try await oss.admin(AdminAPI.listPoliciesForUser, path: path, body: AdminEmpty(), caller: caller)
            let policies = try await oss.admin(AdminAPI.listPolicies, path: NoPathParameters(), body: AdminEmpty(), caller: caller)
            return page("User \(user)", "user", [
                "urlName": Self.encodePath(user),
                "keys": keys.map { ["accessKeyId": $0.accessKeyId, "status": $0.status, "createdAt": $0.createdAt] },
                "holderPath": "/ram/users/" + Self.encodePath(user), "attached": attached.names.map { ["name": $0] },
                "policies": policies.map { ["name": $0.name] },
            ], session: session, notice: Self.notice(request))
        }

        router.post("/ram/users/{user}/keys") { request, context in
            let session = try self.session(request)
            _ = try await ConsoleForm.read(request, csrf: session.csrf)
            let user = try Self.userName(context)
            let key = try await oss.admin(AdminAPI.createAccessKey, path: UserPath(user: user), body: AdminEmpty(),
                                          caller: caller(session, context, request))
            return page("New access key", "key", [
                "user": user, "urlName": Self.encodePath(user), "accessKeyId": key.accessKeyId,
                "accessKeySecret": key.accessKeySecret ?? "",
            ], session: session)
        }

        addAttachmentRoutes(to: router, holder: "users", parameter: "user", attach: AdminAPI.attachPolicyToUser,
                            detach: AdminAPI.detachPolicyFromUser) { UserPolicyPath(user: $0, policy: $1) }

        router.post("/ram/roles") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let name = try form.required("name", label: "The role's name")
            let trust = form["trustPolicy"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            // The admin API checks the trust policy (JSON, grammar) and says what is wrong with it.
            _ = try await oss.admin(AdminAPI.createRole, path: NoPathParameters(),
                                    body: AdminCreateRole(name: name, trustPolicy: trust?.isEmpty == false ? trust : nil,
                                                          description: form["description"]),
                                    caller: caller(session, context, request))
            return Self.redirect("/ram/roles/\(Self.encodePath(name))" + Self.query([("notice", "Created the role \(name).")]))
        }

        router.get("/ram/roles/{role}") { request, context in
            let session = try self.session(request)
            let caller = self.caller(session, context, request)
            let name = try Self.roleName(context)
            let role = try await oss.admin(AdminAPI.getRole, path: RolePath(role: name), body: AdminEmpty(), caller: caller)
            let attached = try await oss.admin(AdminAPI.listPoliciesForRole, path: RolePath(role: name), body: AdminEmpty(), caller: caller)
            let policies = try await oss.admin(AdminAPI.listPolicies, path: NoPathParameters(), body: AdminEmpty(), caller: caller)
            return page("Role \(role.name)", "role", [
                "urlName": Self.encodePath(role.name), "arn": role.arn, "trustPolicy": role.trustPolicy,
                "maxSessionDuration": role.maxSessionDuration, "description": role.description,
                "holderPath": "/ram/roles/" + Self.encodePath(role.name), "attached": attached.names.map { ["name": $0] },
                "policies": policies.map { ["name": $0.name] },
            ], session: session, notice: Self.notice(request))
        }

        addAttachmentRoutes(to: router, holder: "roles", parameter: "role", attach: AdminAPI.attachPolicyToRole,
                            detach: AdminAPI.detachPolicyFromRole) { RolePolicyPath(role: $0, policy: $1) }

        router.post("/ram/roles/{role}/update") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let role = try Self.roleName(context)
            let trust = try form.required("trustPolicy", label: "The trust policy")
            guard let duration = Int64(form["maxSessionDuration"]?.trimmingCharacters(in: .whitespaces) ?? "") else {
                throw ConsoleFailure.invalidInput("The longest session is a number of seconds.")
            }
            // The admin API checks the trust policy and the duration, and says what is wrong with them.
            _ = try await oss.admin(AdminAPI.updateRole, path: RolePath(role: role),
                                    body: AdminUpdateRole(trustPolicy: trust, maxSessionDuration: duration,
                                                          description: form["description"] ?? ""),
                                    caller: caller(session, context, request))
            return Self.redirect("/ram/roles/\(Self.encodePath(role))" + Self.query([("notice", "Saved the role \(role).")]))
        }

        router.post("/ram/roles/{role}/delete") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            guard form.isConfirmed else { throw ConsoleFailure.invalidInput("Tick the box to confirm the deletion.") }
            let role = try Self.roleName(context)
            _ = try await oss.admin(AdminAPI.deleteRole, path: RolePath(role: role), body: AdminEmpty(),
                                    caller: caller(session, context, request))
            return Self.redirect("/ram" + Self.query([("notice", "Deleted the role \(role).")]))
        }

        router.get("/ram/simulate") { request, _ in
            let session = try self.session(request)
            return page("Policy simulator", "simulate", ["principal": "user/", "action": "oss:GetObject",
                                                         "resource": "acs:oss:*:*:BUCKET/KEY"], session: session)
        }

        router.post("/ram/simulate") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let principal = try form.required("principal", label: "The principal")
            let action = try form.required("action", label: "The action")
            let resource = try form.required("resource", label: "The resource")
            let result = try await oss.admin(AdminAPI.simulatePolicy, path: NoPathParameters(),
                                             body: AdminSimulate(principal: principal, action: action, resource: resource),
                                             caller: caller(session, context, request))
            var data: [String: Any] = [
                "principal": principal, "action": action, "resource": resource,
                "result": true, "verdict": result.allowed ? "Allowed" : "Denied",
                "verdictClass": result.allowed ? "allowed" : "denied", "decision": result.decision,
            ]
            if let by = result.decidedBy {
                var decided: [String: Any] = ["policy": by.policy, "statement": by.statement, "effect": by.effect]
                if let sid = by.sid { decided["sid"] = sid }
                data["decidedBy"] = decided
            }
            return page("Policy simulator", "simulate", data, session: session)
        }
    }

    /// `POST /ram/<holder>/{name}/attach|detach` with a `policy` field: one admin operation each, then the holder's page.
    private func addAttachmentRoutes<Path: AdminPathParameters>(
        to router: Router<ConsoleContext>, holder: String, parameter: String,
        attach: AdminOperation<Path, AdminEmpty, AdminEmpty>, detach: AdminOperation<Path, AdminEmpty, AdminEmpty>,
        path makePath: @escaping @Sendable (String, String) -> Path
    ) {
        for (verb, operation) in [("attach", attach), ("detach", detach)] {
            router.post(RouterPath("/ram/\(holder)/{\(parameter)}/\(verb)")) { request, context in
                let session = try self.session(request)
                let form = try await ConsoleForm.read(request, csrf: session.csrf)
                guard let name = context.parameters.get(parameter), !name.isEmpty, name.utf8.count <= 64 else {
                    throw ConsoleFailure.notFound("No such \(parameter).")
                }
                let policy = try form.required("policy", label: "The policy")
                _ = try await oss.admin(operation, path: makePath(name, policy), body: AdminEmpty(),
                                        caller: caller(session, context, request))
                return Self.redirect("/ram/\(holder)/\(Self.encodePath(name))"
                                     + Self.query([("notice", "\(verb == "attach" ? "Attached" : "Detached") \(policy).")]))
            }
        }
    }

    static func roleName(_ context: ConsoleContext) throws -> String {
        guard let name = context.parameters.get("role"), !name.isEmpty, name.utf8.count <= 64 else {
            throw ConsoleFailure.notFound("No such role.")
        }
        return name
    }

    static func userName(_ context: ConsoleContext) throws -> String {
        guard let name = context.parameters.get("user"), !name.isEmpty, name.utf8.count <= 64 else {
            throw ConsoleFailure.notFound("No such user.")
        }
        return name
    }
}
