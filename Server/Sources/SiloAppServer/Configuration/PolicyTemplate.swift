import Foundation

/// One statement of the session policy, written once and expanded per app user: `users/${uid}/*` becomes
/// `acs:oss:*:*:<bucket>/users/alice/*` for alice.
public struct PolicyTemplate: Sendable, Decodable, Hashable {
    public static let uidVariable = "${uid}"

    public var name: String?
    public var actions: [String]
    /// Object keys within the configured bucket, or whole `acs:` resource names; `${uid}` is the only variable.
    public var resources: [String]
    public var effect: String = "Allow"

    public init(name: String? = nil, actions: [String], resources: [String], effect: String = "Allow") {
        self.name = name
        self.actions = actions
        self.resources = resources
        self.effect = effect
    }

    enum CodingKeys: String, CodingKey {
        case name, actions, resources, effect
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        actions = try container.decode([String].self, forKey: .actions)
        resources = try container.decode([String].self, forKey: .resources)
        effect = try container.decodeIfPresent(String.self, forKey: .effect) ?? "Allow"
    }

    /// The statement for one user.
    func statement(uid: String, bucket: String) -> Statement {
        let expanded = resources.map { resource -> String in
            let filled = resource.replacingOccurrences(of: Self.uidVariable, with: uid)
            return filled.hasPrefix("acs:") ? filled : "acs:oss:*:*:\(bucket)/\(filled)"
        }
        return Statement(Effect: effect, Action: actions, Resource: expanded)
    }

    // Typed and encoded with JSONEncoder: JSONSerialization's dynamic casts took a fifth of the app server's
    // CPU per vended token.
    struct Statement: Encodable {
        let Effect: String
        let Action: [String]
        let Resource: [String]
    }

    struct Document: Encodable {
        let Version = "1"
        let Statement: [Statement]
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The session policy for `uid`: every template's statement.
    public static func sessionPolicy(_ templates: [PolicyTemplate], uid: String, bucket: String) -> String {
        let document = Document(Statement: templates.map { $0.statement(uid: uid, bucket: bucket) })
        let data = (try? encoder.encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The key prefix a user owns: the first object-key template with `${uid}`, up to its first wildcard.
    /// `users/${uid}/*` gives `users/alice/`.
    public static func userPrefix(_ templates: [PolicyTemplate], uid: String) -> String? {
        for template in templates where template.effect == "Allow" {
            for resource in template.resources where !resource.hasPrefix("acs:") && resource.contains(uidVariable) {
                let head = resource.prefix { $0 != "*" && $0 != "?" }
                return String(head).replacingOccurrences(of: uidVariable, with: uid)
            }
        }
        return nil
    }

    /// The owner of `key`, read back through the same template: `users/alice/cat.jpg` belongs to alice.
    public static func owner(ofKey key: String, templates: [PolicyTemplate]) -> String? {
        for template in templates where template.effect == "Allow" {
            for resource in template.resources where !resource.hasPrefix("acs:") {
                guard let variable = resource.range(of: uidVariable) else { continue }
                let before = String(resource[..<variable.lowerBound])
                let after = resource[variable.upperBound...].prefix { $0 != "*" && $0 != "?" }
                guard !before.contains("*"), key.hasPrefix(before), !after.isEmpty else { continue }
                let rest = key.dropFirst(before.count)
                guard let end = rest.range(of: after) else { continue }
                let uid = String(rest[..<end.lowerBound])
                if AppUser.isValidUID(uid) { return uid }
            }
        }
        return nil
    }
}

/// Session policies for many users of one set of templates: rendered once with the `${uid}` variable left in,
/// then one substitution per user. A valid uid ([A-Za-z0-9._@-]) needs no JSON escaping, and the variable can
/// stand only where a template put it (bucket names cannot hold `$`); any other uid is encoded in full.
public struct SessionPolicyRenderer: Sendable {
    let templates: [PolicyTemplate]
    let bucket: String
    /// The policy rendered with the variable left in, cut where the variable stands: a policy is these pieces
    /// joined by the uid (a substring search over the whole policy per token cost more than the rest of it).
    let pieces: [String]
    let variableOnlyInResources: Bool

    public init(templates: [PolicyTemplate], bucket: String) {
        self.templates = templates
        self.bucket = bucket
        let rendered = PolicyTemplate.sessionPolicy(templates, uid: PolicyTemplate.uidVariable, bucket: bucket)
        pieces = rendered.components(separatedBy: PolicyTemplate.uidVariable)
        variableOnlyInResources = templates.allSatisfy { template in
            !template.effect.contains(PolicyTemplate.uidVariable)
                && !template.actions.contains { $0.contains(PolicyTemplate.uidVariable) }
        }
    }

    public func policy(uid: String) -> String {
        guard variableOnlyInResources, AppUser.isValidUID(uid) else {
            return PolicyTemplate.sessionPolicy(templates, uid: uid, bucket: bucket)
        }
        return pieces.joined(separator: uid)
    }
}
