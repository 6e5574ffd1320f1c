import Foundation
import Yams

/// A configuration the server cannot start with; `field` is the dotted path of the culprit.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let field: String
    public let message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "configuration field '\(field)': \(message)" }
}

extension AppServerConfiguration {
    public static let durationRange = 900...3600

    /// Reads and validates a YAML (or JSON) file; relative paths inside it are taken from the file's folder.
    public static func load(path: String) throws -> AppServerConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(field: "(file)", "cannot read \(path)")
        }
        var configuration = try parse(String(decoding: data, as: UTF8.self))
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        configuration.resolvePaths(relativeTo: folder)
        return configuration
    }

    public static func parse(_ text: String) throws -> AppServerConfiguration {
        let configuration: AppServerConfiguration
        do {
            try UnknownKeys.check(text)
            configuration = try YAMLDecoder().decode(AppServerConfiguration.self, from: text)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch let error as YamlError {
            throw ConfigurationError(field: "(syntax)", "\(error)")
        }
        try configuration.validate()
        return configuration
    }

    mutating func resolvePaths(relativeTo folder: String) {
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : folder + "/" + path }
        database = resolve(database)
        if var jwt = auth.jwt {
            jwt.keyFile = jwt.keyFile.map(resolve)
            jwt.jwksFile = jwt.jwksFile.map(resolve)
            auth.jwt = jwt
        }
    }

    /// Checks what decoding cannot: ranges, formats and combinations.
    public func validate() throws {
        func require(_ condition: Bool, _ field: String, _ message: String) throws {
            if !condition { throw ConfigurationError(field: field, message) }
        }
        try require(["http", "https"].contains(sts.endpoint.scheme?.lowercased() ?? "") && sts.endpoint.host != nil,
                    "sts.endpoint", "must be an http(s) URL, got \(sts.endpoint)")
        try require(!sts.accessKeyId.isEmpty, "sts.access_key_id", "must not be empty")
        try require(!sts.accessKeySecret.isEmpty, "sts.access_key_secret", "must not be empty")
        try require(sts.roleArn.hasPrefix("acs:ram::") && sts.roleArn.contains(":role/"), "sts.role_arn",
                    "must look like acs:ram::<account>:role/<name>, got \(sts.roleArn)")
        try require(Self.durationRange.contains(sts.durationSeconds), "sts.duration_seconds",
                    "must be from 900 to 3600, got \(sts.durationSeconds)")
        try require(["http", "https"].contains(storage.endpoint.scheme?.lowercased() ?? "") && storage.endpoint.host != nil,
                    "storage.endpoint", "must be an http(s) URL, got \(storage.endpoint)")
        try require(Self.isBucketName(storage.bucket), "storage.bucket", "\(storage.bucket) is not a valid bucket name")
        if let mediaNotify {
            try require((16...256).contains(mediaNotify.secret.utf8.count), "media_notify.secret", "must be 16 to 256 bytes")
        }
        try require(!storage.region.isEmpty, "storage.region", "must not be empty")

        try require(!policyTemplates.isEmpty, "policy_templates", "needs at least one template")
        for (index, template) in policyTemplates.enumerated() {
            let field = "policy_templates[\(index)]"
            try require(!template.actions.isEmpty, field + ".actions", "needs at least one action")
            for action in template.actions {
                try require(action.hasPrefix("oss:") || action == "*", field + ".actions",
                            "\(action) is not an OSS action (oss:...)")
            }
            try require(!template.resources.isEmpty, field + ".resources", "needs at least one resource")
            for resource in template.resources {
                let withoutUID = resource.replacingOccurrences(of: PolicyTemplate.uidVariable, with: "")
                try require(!withoutUID.contains("${"), field + ".resources",
                            "\(resource) uses a variable other than ${uid}")
            }
            try require(["Allow", "Deny"].contains(template.effect), field + ".effect", "must be Allow or Deny")
        }
        try require(PolicyTemplate.userPrefix(policyTemplates, uid: "u") != nil, "policy_templates",
                    "no Allow template gives users a prefix of their own (a key pattern with ${uid}, such as users/${uid}/*)")

        let accountsOn = auth.accounts?.enabled ?? false
        try require(accountsOn || auth.jwt != nil, "auth", "enable auth.accounts or configure auth.jwt")
        if let accounts = auth.accounts, accounts.enabled {
            try require((60...30 * 86_400).contains(accounts.sessionTTLSeconds), "auth.accounts.session_ttl_seconds",
                        "must be from 60 to 2592000")
        }
        if let jwt = auth.jwt {
            try require(jwt.algorithm != nil || jwt.jwksFile != nil, "auth.jwt.algorithm",
                        "is required with key_file (HS256, RS256 or ES256)")
            try require((jwt.keyFile == nil) != (jwt.jwksFile == nil), "auth.jwt.key_file",
                        "give exactly one of key_file and jwks_file")
            try require(!jwt.uidClaim.isEmpty, "auth.jwt.uid_claim", "must not be empty")
            if jwt.algorithm == .hs256 {
                try require(jwt.keyFile != nil, "auth.jwt.key_file", "HS256 needs key_file with the shared secret")
            }
        }
        for (name, limit) in [("per_user", rateLimits.perUser), ("per_ip", rateLimits.perIP),
                              ("sign_in_per_ip", rateLimits.signInPerIP)] {
            try require(limit.requests > 0, "rate_limits.\(name).requests", "must be positive")
            try require(limit.windowSeconds > 0, "rate_limits.\(name).window_seconds", "must be positive")
        }
        if let url = callback.url {
            try require(["http", "https"].contains(url.scheme?.lowercased() ?? "") && url.host != nil, "callback.url",
                        "must be an http(s) URL, got \(url)")
            try require(!callback.publicKeyURLs.isEmpty, "callback.public_key_urls",
                        "list where callback public keys may be fetched from (e.g. <storage endpoint>/-/callback/public-key.pem)")
        }
        for (index, prefix) in callback.publicKeyURLs.enumerated() {
            let url = URL(string: prefix)
            try require(["http", "https"].contains(url?.scheme?.lowercased() ?? "") && url?.host != nil,
                        "callback.public_key_urls[\(index)]", "must be an http(s) URL, got \(prefix)")
        }
        try require(postPolicy.maxBytes > 0 && postPolicy.maxBytes <= 5 * 1024 * 1024 * 1024, "post_policy.max_bytes",
                    "must be from 1 to 5 GiB")
        try require((60...86_400).contains(postPolicy.expiresSeconds), "post_policy.expires_seconds", "must be from 60 to 86400")
        try require(!database.isEmpty, "database", "must not be empty")
    }

    static func isBucketName(_ name: String) -> Bool {
        guard (3...63).contains(name.count), let first = name.first, let last = name.last,
            first != "-", last != "-" else { return false }
        return name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func describe(_ error: DecodingError) -> ConfigurationError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in codingPath + (last.map { [$0] } ?? []) {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "(root)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return ConfigurationError(field: path(context.codingPath, key), "is required")
        case .typeMismatch(let type, let context):
            return ConfigurationError(field: path(context.codingPath), "expected \(type)")
        case .valueNotFound(let type, let context):
            return ConfigurationError(field: path(context.codingPath), "expected \(type), found nothing")
        case .dataCorrupted(let context):
            return ConfigurationError(field: path(context.codingPath), context.debugDescription)
        @unknown default:
            return ConfigurationError(field: "(unknown)", "\(error)")
        }
    }
}
