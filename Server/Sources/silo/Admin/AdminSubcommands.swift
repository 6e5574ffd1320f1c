import ArgumentParser
import Foundation
import SiloCore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "RAM users.",
                                                    subcommands: [Create.self, List.self, Get.self, Delete.self])
    static let columns = ["name", "id", "displayName", "createdAt"]

    struct Create: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        @Option var displayName: String?
        func run() async throws {
            try await options.run(AdminAPI.createUser, body: AdminCreateUser(name: name, displayName: displayName)) {
                fields($0, UserCommand.columns)
            }
        }
    }
    struct List: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        func run() async throws { try await options.run(AdminAPI.listUsers) { table($0, UserCommand.columns) } }
    }
    struct Get: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        func run() async throws {
            try await options.run(AdminAPI.getUser, path: UserPath(user: name)) { fields($0, UserCommand.columns) }
        }
    }
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user with its keys and policy attachments.")
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        func run() async throws {
            try await options.run(AdminAPI.deleteUser, path: UserPath(user: name)) { _ in "deleted user \(name)" }
        }
    }
}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key", abstract: "Access keys of RAM users.",
                                                    subcommands: [Create.self, List.self, Disable.self, Enable.self, Delete.self])
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key pair; the secret is shown only now.")
        @OptionGroup var options: AdminOptions
        @Argument var user: String
        func run() async throws {
            try await options.run(AdminAPI.createAccessKey, path: UserPath(user: user)) {
                fields($0, ["accessKeyId", "accessKeySecret", "status"]) + "\n(the secret is not shown again)"
            }
        }
    }
    struct List: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var user: String
        func run() async throws {
            try await options.run(AdminAPI.listAccessKeys, path: UserPath(user: user)) {
                table($0, ["accessKeyId", "status", "createdAt"])
            }
        }
    }
    struct Disable: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var user: String
        @Argument var accessKeyId: String
        func run() async throws {
            try await options.run(AdminAPI.updateAccessKey, path: UserKeyPath(user: user, accessKeyId: accessKeyId),
                                  body: AdminUpdateAccessKey(status: "Inactive")) { _ in "disabled \(accessKeyId)" }
        }
    }
    struct Enable: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var user: String
        @Argument var accessKeyId: String
        func run() async throws {
            try await options.run(AdminAPI.updateAccessKey, path: UserKeyPath(user: user, accessKeyId: accessKeyId),
                                  body: AdminUpdateAccessKey(status: "Active")) { _ in "enabled \(accessKeyId)" }
        }
    }
    struct Delete: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var user: String
        @Argument var accessKeyId: String
        func run() async throws {
            try await options.run(AdminAPI.deleteAccessKey, path: UserKeyPath(user: user, accessKeyId: accessKeyId)) { _ in
                "deleted \(accessKeyId)"
            }
        }
    }
}

struct RoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "role", abstract: "Roles that STS sessions assume.",
                                                    subcommands: [Create.self, List.self, Get.self, Update.self, Delete.self])
    static let detailFields = ["name", "arn", "maxSessionDuration", "trustPolicy", "description"]

    /// What creating and updating a role both set.
    struct Settings: ParsableArguments {
        @Option(help: "Trust policy JSON, or @file. On create, the default lets every principal of this account assume the role.")
        var trustPolicy: String?
        @Option(help: "Longest session, 3600 to 43200 seconds.")
        var maxSessionDuration: Int?
        @Option var description: String?

        func trust() throws -> String? { try trustPolicy.map(inlineOrFile) }
        var duration: Int64? { maxSessionDuration.map(Int64.init) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a role's trust policy, longest session or description.")
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        @OptionGroup var settings: Settings
        func run() async throws {
            let body = AdminUpdateRole(trustPolicy: try settings.trust(), maxSessionDuration: settings.duration,
                                       description: settings.description)
            try await options.run(AdminAPI.updateRole, path: RolePath(role: name), body: body) {
                fields($0, RoleCommand.detailFields)
            }
        }
    }
    struct Create: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        @OptionGroup var settings: Settings
        func run() async throws {
            let body = AdminCreateRole(name: name, trustPolicy: try settings.trust(), maxSessionDuration: settings.duration,
                                       description: settings.description)
            try await options.run(AdminAPI.createRole, body: body) { fields($0, ["name", "arn", "maxSessionDuration"]) }
        }
    }
    struct List: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await options.run(AdminAPI.listRoles) { table($0, ["name", "arn", "maxSessionDuration"]) }
        }
    }
    struct Get: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        func run() async throws {
            try await options.run(AdminAPI.getRole, path: RolePath(role: name)) { fields($0, RoleCommand.detailFields) }
        }
    }
    struct Delete: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        func run() async throws {
            try await options.run(AdminAPI.deleteRole, path: RolePath(role: name)) { _ in "deleted role \(name)" }
        }
    }
}

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "RAM policies, their attachments, and simulation.",
        subcommands: [Create.self, List.self, Get.self, Delete.self, Attach.self, Detach.self, Simulate.self])
    struct Create: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        @Option(help: "Policy JSON, or @file.")
        var document: String
        @Option var description: String?
        func run() async throws {
            let body = AdminCreatePolicy(name: name, document: try inlineOrFile(document), description: description)
            try await options.run(AdminAPI.createPolicy, body: body) { fields($0, ["name", "createdAt"]) }
        }
    }
    struct List: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await options.run(AdminAPI.listPolicies) { table($0, ["name", "description", "createdAt"]) }
        }
    }
    struct Get: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        func run() async throws {
            try await options.run(AdminAPI.getPolicy, path: PolicyPath(policy: name)) {
                fields($0, ["name", "description", "document"])
            }
        }
    }
    struct Delete: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @Argument var name: String
        func run() async throws {
            try await options.run(AdminAPI.deletePolicy, path: PolicyPath(policy: name)) { _ in "deleted policy \(name)" }
        }
    }
    struct Holder: ParsableArguments {
        @Option(help: "Attach to / detach from this user.") var user: String?
        @Option(help: "Attach to / detach from this role.") var role: String?
        func validate() throws {
            guard (user == nil) != (role == nil) else { throw ValidationError("Give exactly one of --user and --role.") }
        }
    }
    struct Attach: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @OptionGroup var holder: Holder
        @Argument var policy: String
        func run() async throws {
            if let user = holder.user {
                try await options.run(AdminAPI.attachPolicyToUser, path: UserPolicyPath(user: user, policy: policy)) { _ in
                    "attached \(policy)"
                }
            } else if let role = holder.role {
                try await options.run(AdminAPI.attachPolicyToRole, path: RolePolicyPath(role: role, policy: policy)) { _ in
                    "attached \(policy)"
                }
            }
        }
    }
    struct Detach: AsyncParsableCommand {
        @OptionGroup var options: AdminOptions
        @OptionGroup var holder: Holder
        @Argument var policy: String
        func run() async throws {
            if let user = holder.user {
                try await options.run(AdminAPI.detachPolicyFromUser, path: UserPolicyPath(user: user, policy: policy)) { _ in
                    "detached \(policy)"
                }
            } else if let role = holder.role {
                try await options.run(AdminAPI.detachPolicyFromRole, path: RolePolicyPath(role: role, policy: policy)) { _ in
                    "detached \(policy)"
                }
            }
        }
    }
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a decision: is ACTION on RESOURCE allowed for PRINCIPAL, and which statement decided?")
        @OptionGroup var options: AdminOptions
        @Option(help: "root, anonymous, user/<name> or role/<name>[/<session>].") var principal: String
        @Option(help: "For example oss:PutObject.") var action: String
        @Option(help: "For example acs:oss:*:*:bucket/key.") var resource: String
        @Option(name: .customLong("context"), help: "Condition key=value, e.g. acs:SourceIp=10.0.0.1 (repeatable).")
        var context: [String] = []
        @Option(help: "A session policy (JSON or @file) to intersect with a role's policies.") var sessionPolicy: String?
        @Option(help: "A bucket policy (JSON or @file) to include.") var bucketPolicy: String?
        func run() async throws {
            var values: [String: [String]] = [:]
            for pair in context {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--context takes key=value") }
                values[String(pair[..<equals]), default: []].append(String(pair[pair.index(after: equals)...]))
            }
            let body = AdminSimulate(principal: principal, action: action, resource: resource, context: values,
                                     sessionPolicy: try sessionPolicy.map(inlineOrFile),
                                     bucketPolicy: try bucketPolicy.map(inlineOrFile))
            try await options.run(AdminAPI.simulatePolicy, body: body) { result in
                guard let result = result as? [String: Any] else { return "" }
                var text = ((result["allowed"] as? Bool) == true ? "ALLOWED" : "DENIED") + "\n" + "\(result["decision"] ?? "")"
                if let decided = result["decidedBy"] as? [String: Any] {
                    text += "\ndecided by: statement \(decided["statement"] ?? "") of \(decided["policy"] ?? "") (\(decided["effect"] ?? ""))"
                }
                return text
            }
        }
    }
}

struct STSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sts", abstract: "STS token keys.", subcommands: [RotateKey.self])
    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key", abstract: "Sign new tokens with a new key; tokens already issued stay valid.")
        @OptionGroup var options: AdminOptions
        func run() async throws { try await options.run(AdminAPI.rotateTokenKey) { fields($0, ["keyId"]) } }
    }
}
