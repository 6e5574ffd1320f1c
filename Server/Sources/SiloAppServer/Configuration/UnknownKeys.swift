import Foundation
import Yams

/// Finds misspelt settings, which decoding alone would silently replace by defaults.
enum UnknownKeys {
    indirect enum Shape: Sendable {
        case leaf
        case object([String: Shape])
        case list(Shape)
    }

    static let rateLimit = Shape.object(["requests": .leaf, "window_seconds": .leaf])
    static let schema = Shape.object([
        "sts": .object(["endpoint": .leaf, "access_key_id": .leaf, "access_key_secret": .leaf, "role_arn": .leaf,
                        "duration_seconds": .leaf]),
        "storage": .object(["endpoint": .leaf, "bucket": .leaf, "region": .leaf]),
        "policy_templates": .list(.object(["name": .leaf, "actions": .leaf, "resources": .leaf, "effect": .leaf])),
        "auth": .object([
            "accounts": .object(["enabled": .leaf, "registration": .leaf, "session_ttl_seconds": .leaf]),
            "jwt": .object(["algorithm": .leaf, "key_file": .leaf, "jwks_file": .leaf, "uid_claim": .leaf,
                            "issuer": .leaf, "audience": .leaf]),
        ]),
        "rate_limits": .object(["per_user": rateLimit, "per_ip": rateLimit, "sign_in_per_ip": rateLimit]),
        "callback": .object(["url": .leaf, "public_key_urls": .leaf, "require_storage_facts": .leaf]),
        "post_policy": .object(["max_bytes": .leaf, "expires_seconds": .leaf]),
        "media_notify": .object(["secret": .leaf]),
        "database": .leaf,
    ])

    static func check(_ text: String) throws {
        guard let node = try Yams.compose(yaml: text) else { return }
        try check(node, against: schema, path: "")
    }

    private static func check(_ node: Node, against shape: Shape, path: String) throws {
        switch (shape, node) {
        case (.object(let fields), .mapping(let mapping)):
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? "\(keyNode)"
                let field = path.isEmpty ? key : path + "." + key
                guard let inner = fields[key] else {
                    throw ConfigurationError(field: field, "is not a known setting")
                }
                try check(value, against: inner, path: field)
            }
        case (.list(let element), .sequence(let sequence)):
            for (index, value) in sequence.enumerated() {
                try check(value, against: element, path: path + "[\(index)]")
            }
        default:
            return
        }
    }
}
