import Foundation

/// Everything `silo app-server` needs, read from a YAML file (JSON is YAML too). Field names are snake_case.
public struct AppServerConfiguration: Sendable, Decodable {
    public struct STS: Sendable, Decodable {
        /// Base URL of an STS that speaks AssumeRole (Silo's or Alibaba Cloud's).
        public var endpoint: URL
        public var accessKeyId: String
        public var accessKeySecret: String
        public var roleArn: String
        public var durationSeconds: Int = 1800

        enum CodingKeys: String, CodingKey {
            case endpoint, accessKeyId = "access_key_id", accessKeySecret = "access_key_secret", roleArn = "role_arn"
            case durationSeconds = "duration_seconds"
        }

        public init(endpoint: URL, accessKeyId: String, accessKeySecret: String, roleArn: String, durationSeconds: Int = 1800) {
            self.endpoint = endpoint
            self.accessKeyId = accessKeyId
            self.accessKeySecret = accessKeySecret
            self.roleArn = roleArn
            self.durationSeconds = durationSeconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            endpoint = try container.decode(URL.self, forKey: .endpoint)
            accessKeyId = try container.decode(String.self, forKey: .accessKeyId)
            accessKeySecret = try container.decode(String.self, forKey: .accessKeySecret)
            roleArn = try container.decode(String.self, forKey: .roleArn)
            durationSeconds = try container.decodeIfPresent(Int.self, forKey: .durationSeconds) ?? 1800
        }
    }

    /// What apps are told to talk to.
    public struct Storage: Sendable, Decodable {
        public var endpoint: URL
        public var bucket: String
        public var region: String

        public init(endpoint: URL, bucket: String, region: String) {
            self.endpoint = endpoint
            self.bucket = bucket
            self.region = region
        }
    }

    public struct Accounts: Sendable, Decodable {
        public var enabled = true
        /// Whether anyone may create an account through the API.
        public var registration = true
        public var sessionTTLSeconds = 86_400

        enum CodingKeys: String, CodingKey {
            case enabled, registration, sessionTTLSeconds = "session_ttl_seconds"
        }

        public init(enabled: Bool = true, registration: Bool = true, sessionTTLSeconds: Int = 86_400) {
            self.enabled = enabled
            self.registration = registration
            self.sessionTTLSeconds = sessionTTLSeconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
            registration = try container.decodeIfPresent(Bool.self, forKey: .registration) ?? true
            sessionTTLSeconds = try container.decodeIfPresent(Int.self, forKey: .sessionTTLSeconds) ?? 86_400
        }
    }

    /// Bearer JWTs from the app's own identity provider.
    public struct JWT: Sendable, Decodable {
        public enum Algorithm: String, Sendable, Decodable, CaseIterable {
            case hs256 = "HS256", rs256 = "RS256", es256 = "ES256"
        }

        public var algorithm: Algorithm?
        /// HS256: the shared secret; RS256/ES256: a PEM public key.
        public var keyFile: String?
        /// A JWKS document (RS256/ES256 keys, chosen by `kid`).
        public var jwksFile: String?
        public var uidClaim = "sub"
        public var issuer: String?
        public var audience: String?

        enum CodingKeys: String, CodingKey {
            case algorithm, keyFile = "key_file", jwksFile = "jwks_file", uidClaim = "uid_claim", issuer, audience
        }

        public init(algorithm: Algorithm? = nil, keyFile: String? = nil, jwksFile: String? = nil, uidClaim: String = "sub",
                    issuer: String? = nil, audience: String? = nil) {
            self.algorithm = algorithm
            self.keyFile = keyFile
            self.jwksFile = jwksFile
            self.uidClaim = uidClaim
            self.issuer = issuer
            self.audience = audience
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            algorithm = try container.decodeIfPresent(Algorithm.self, forKey: .algorithm)
            keyFile = try container.decodeIfPresent(String.self, forKey: .keyFile)
            jwksFile = try container.decodeIfPresent(String.self, forKey: .jwksFile)
            uidClaim = try container.decodeIfPresent(String.self, forKey: .uidClaim) ?? "sub"
            issuer = try container.decodeIfPresent(String.self, forKey: .issuer)
            audience = try container.decodeIfPresent(String.self, forKey: .audience)
        }
    }

    public struct Auth: Sendable, Decodable {
        public var accounts: Accounts?
        public var jwt: JWT?

        public init(accounts: Accounts? = Accounts(), jwt: JWT? = nil) {
            self.accounts = accounts
            self.jwt = jwt
        }
    }

    public struct RateLimit: Sendable, Decodable, Hashable {
        public var requests: Int
        public var windowSeconds: Int

        enum CodingKeys: String, CodingKey {
            case requests, windowSeconds = "window_seconds"
        }

        public init(requests: Int, windowSeconds: Int) {
            self.requests = requests
            self.windowSeconds = windowSeconds
        }
    }

    public struct RateLimits: Sendable, Decodable {
        /// Token and policy requests per app user. The mobile SDKs fetch a token only when the last one is
        /// five minutes from expiry, so a user needs few.
        public var perUser = RateLimit(requests: 30, windowSeconds: 60)
        public var perIP = RateLimit(requests: 300, windowSeconds: 60)
        /// Sign-ins and registrations per address, on top of `per_ip`: each is a 128 MiB scrypt of CPU.
        public var signInPerIP = RateLimit(requests: 30, windowSeconds: 60)

        enum CodingKeys: String, CodingKey {
            case perUser = "per_user", perIP = "per_ip", signInPerIP = "sign_in_per_ip"
        }

        public init(perUser: RateLimit = RateLimit(requests: 30, windowSeconds: 60),
                    perIP: RateLimit = RateLimit(requests: 300, windowSeconds: 60),
                    signInPerIP: RateLimit = RateLimit(requests: 30, windowSeconds: 60)) {
            self.perUser = perUser
            self.perIP = perIP
            self.signInPerIP = signInPerIP
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            perUser = try container.decodeIfPresent(RateLimit.self, forKey: .perUser) ?? perUser
            perIP = try container.decodeIfPresent(RateLimit.self, forKey: .perIP) ?? perIP
            signInPerIP = try container.decodeIfPresent(RateLimit.self, forKey: .signInPerIP) ?? signInPerIP
        }
    }

    public struct Callback: Sendable, Decodable {
        /// The URL the storage service POSTs upload callbacks to: this server's `/v1/callback` as the storage
        /// service reaches it. Absent: uploads carry no callback.
        public var url: URL?
        /// Prefixes a callback's `x-oss-pub-key-url` must start with. The key is fetched only from these.
        public var publicKeyURLs: [String] = []
        /// Whether callbacks must carry storage's signed facts (Silo sends them). Turn it off only for a storage
        /// service that sends none (Alibaba Cloud OSS): the receiver then binds each callback to the user its
        /// URL was issued to and asks storage for the object's size and ETag.
        public var requireStorageFacts = true

        enum CodingKeys: String, CodingKey {
            case url, publicKeyURLs = "public_key_urls", requireStorageFacts = "require_storage_facts"
        }

        public init(url: URL? = nil, publicKeyURLs: [String] = [], requireStorageFacts: Bool = true) {
            self.url = url
            self.publicKeyURLs = publicKeyURLs
            self.requireStorageFacts = requireStorageFacts
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            url = try container.decodeIfPresent(URL.self, forKey: .url)
            publicKeyURLs = try container.decodeIfPresent([String].self, forKey: .publicKeyURLs) ?? []
            requireStorageFacts = try container.decodeIfPresent(Bool.self, forKey: .requireStorageFacts) ?? true
        }
    }

    /// Media job webhooks (`POST /v1/media/notify`): the HMAC key the storage bucket's media job settings sign
    /// with (`silo events media-set`). Absent: the route refuses every webhook.
    public struct MediaNotify: Sendable, Decodable {
        public var secret: String

        public init(secret: String) {
            self.secret = secret
        }
    }

    public struct PostPolicySettings: Sendable, Decodable {
        public var maxBytes: Int64 = 100 * 1024 * 1024
        public var expiresSeconds = 900

        enum CodingKeys: String, CodingKey {
            case maxBytes = "max_bytes", expiresSeconds = "expires_seconds"
        }

        public init(maxBytes: Int64 = 100 * 1024 * 1024, expiresSeconds: Int = 900) {
            self.maxBytes = maxBytes
            self.expiresSeconds = expiresSeconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            maxBytes = try container.decodeIfPresent(Int64.self, forKey: .maxBytes) ?? maxBytes
            expiresSeconds = try container.decodeIfPresent(Int.self, forKey: .expiresSeconds) ?? expiresSeconds
        }
    }

    public var sts: STS
    public var storage: Storage
    public var policyTemplates: [PolicyTemplate]
    public var auth = Auth()
    public var rateLimits = RateLimits()
    public var callback = Callback()
    public var postPolicy = PostPolicySettings()
    public var mediaNotify: MediaNotify?
    /// The SQLite file for accounts, sessions and the upload catalog.
    public var database = "app-server.sqlite"

    enum CodingKeys: String, CodingKey {
        case sts, storage, policyTemplates = "policy_templates", auth, rateLimits = "rate_limits", callback
        case postPolicy = "post_policy", database, mediaNotify = "media_notify"
    }

    public init(sts: STS, storage: Storage, policyTemplates: [PolicyTemplate], auth: Auth = Auth(),
                rateLimits: RateLimits = RateLimits(), callback: Callback = Callback(),
                postPolicy: PostPolicySettings = PostPolicySettings(), mediaNotify: MediaNotify? = nil,
                database: String = "app-server.sqlite") {
        self.mediaNotify = mediaNotify
        self.sts = sts
        self.storage = storage
        self.policyTemplates = policyTemplates
        self.auth = auth
        self.rateLimits = rateLimits
        self.callback = callback
        self.postPolicy = postPolicy
        self.database = database
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sts = try container.decode(STS.self, forKey: .sts)
        storage = try container.decode(Storage.self, forKey: .storage)
        policyTemplates = try container.decode([PolicyTemplate].self, forKey: .policyTemplates)
        auth = try container.decodeIfPresent(Auth.self, forKey: .auth) ?? auth
        rateLimits = try container.decodeIfPresent(RateLimits.self, forKey: .rateLimits) ?? rateLimits
        callback = try container.decodeIfPresent(Callback.self, forKey: .callback) ?? callback
        postPolicy = try container.decodeIfPresent(PostPolicySettings.self, forKey: .postPolicy) ?? postPolicy
        database = try container.decodeIfPresent(String.self, forKey: .database) ?? database
        mediaNotify = try container.decodeIfPresent(MediaNotify.self, forKey: .mediaNotify)
    }
}
