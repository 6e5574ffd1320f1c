import Foundation
import SiloClient
import SiloCore

/// A signed PostObject form (spec §12) for browsers and mini-programs: the user's own temporary key signs a
/// V4 policy that pins the bucket, the user's key prefix and a size limit.
public struct PostPolicyVendor: Sendable {
    public struct Form: Sendable, Encodable {
        /// Where the form is POSTed (path-style bucket URL).
        public var url: String
        public var bucket: String
        /// Every key the form may name starts with this; the app appends the file name.
        public var keyPrefix: String
        public var maxBytes: Int64
        public var expiration: String
        /// Hidden form fields, sent as they are, before `key` and `file`.
        public var fields: [String: String]
    }

    let tokens: TokenVendor
    let storage: AppServerConfiguration.Storage
    let templates: [PolicyTemplate]
    let settings: AppServerConfiguration.PostPolicySettings
    let callback: CallbackParameters?

    public init(tokens: TokenVendor, storage: AppServerConfiguration.Storage, templates: [PolicyTemplate],
                settings: AppServerConfiguration.PostPolicySettings, callback: CallbackParameters?) {
        self.tokens = tokens
        self.storage = storage
        self.templates = templates
        self.settings = settings
        self.callback = callback
    }

    public func form(for user: AppUser, now: Int64 = Int64(Date().timeIntervalSince1970)) async throws(AppFailure) -> Form {
        guard let prefix = PolicyTemplate.userPrefix(templates, uid: user.uid) else {
            throw .noUserPrefix
        }
        let assumed = try await tokens.token(for: user)
        let credentials = assumed.credentials
        let tokenExpiry = credentials.expiration.map { Int64($0.timeIntervalSince1970) } ?? Int64.max
        let expiration = min(now + Int64(settings.expiresSeconds), tokenExpiry)
        let scope = SignatureV4.Scope(date: String(Timestamps.isoBasic(unixSeconds: now).prefix(8)), region: storage.region)
        var fields = [
            "x-oss-signature-version": SignatureV4.algorithm,
            "x-oss-credential": "\(credentials.accessKeyId)/\(scope.string)",
            "x-oss-date": Timestamps.isoBasic(unixSeconds: now),
            "success_action_status": "200",
        ]
        if let token = credentials.securityToken { fields["x-oss-security-token"] = token }
        var conditions: [PostPolicy.Condition] = [.equals(field: "bucket", value: storage.bucket)]
        for name in fields.keys.sorted() { conditions.append(.equals(field: name, value: fields[name]!)) }
        conditions += [.startsWith(field: "key", prefix: prefix), .contentLengthRange(min: 0, max: settings.maxBytes)]
        let policy = PostPolicy(expiration: expiration, conditions: conditions).base64
        fields["policy"] = policy
        fields["x-oss-signature"] = PostPolicy.signatureV4(policy: policy, secret: credentials.accessKeySecret, scope: scope)
        if let callback { fields["callback"] = callback.base64(for: user) }
        let base = storage.endpoint.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return Form(url: base + "/" + storage.bucket, bucket: storage.bucket, keyPrefix: prefix, maxBytes: settings.maxBytes,
                    expiration: Timestamps.iso8601NoFraction(unixSeconds: expiration), fields: fields)
    }
}
