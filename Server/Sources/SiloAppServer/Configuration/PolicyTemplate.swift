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

    /// The statement for one user, as a JSON object.
    func statement(uid: String, bucket: String) -> [String: Any] {
        let expanded = resources.map { resource -> String in
            let filled = resource.replacingOccurrences(of: Self.uidVariable, with: uid)
            return filled.hasPrefix("acs:") ? filled : "acs:oss:*:*:\(bucket)/\(filled)"
        }
        return ["Effect": effect, "Action": actions, "Resource": expanded]
    }

    /// The session policy for `uid`: every template's statement.
    public static func sessionPolicy(_ templates: [PolicyTemplate], uid: String, bucket: String) -> String {
        let document: [String: Any] = ["Version": "1", "Statement": templates.map { $0.statement(uid: uid, bucket: bucket) }]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
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
