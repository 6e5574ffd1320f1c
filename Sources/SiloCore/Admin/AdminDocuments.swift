/// The admin API's JSON documents (`/-/admin/v1`), shared by the server that renders them, the SDK's
/// `AdminClient` that decodes them and the OpenAPI document generated from `AdminAPI`. Each has an `example`,
/// from which the document's schema is derived.
public protocol AdminDocument: Codable, Sendable {
    /// A value with every optional field set, for the schema.
    static var example: Self { get }
    /// Values the operation's resource template may name (`{name}`), beyond the path's own.
    var resourceValues: [String: String] { get }
}

extension AdminDocument {
    public var resourceValues: [String: String] { [:] }
}

/// No request body, or a 204 with none.
public struct AdminEmpty: AdminDocument, Hashable {
    public init() {}
    public static let example = AdminEmpty()
}

public struct AdminUser: AdminDocument, Hashable {
    public var name: String
    public var id: String
    public var displayName: String
    public var createdAt: String

    public init(name: String, id: String, displayName: String, createdAt: String) {
        self.name = name
        self.id = id
        self.displayName = displayName
        self.createdAt = createdAt
    }

    public static let example = AdminUser(name: "app-server", id: "200000000000000001", displayName: "App server",
                                          createdAt: "2026-01-01T00:00:00Z")
}

public struct AdminAccessKey: AdminDocument, Hashable {
    public var accessKeyId: String
    public var userName: String
    /// `Active` or `Inactive`.
    public var status: String
    public var createdAt: String
    /// Present only in the response that created the key.
    public var accessKeySecret: String?

    public init(accessKeyId: String, userName: String, status: String, createdAt: String, accessKeySecret: String? = nil) {
        self.accessKeyId = accessKeyId
        self.userName = userName
        self.status = status
        self.createdAt = createdAt
        self.accessKeySecret = accessKeySecret
    }

    public static let example = AdminAccessKey(accessKeyId: "LTAI5tExample", userName: "app-server", status: "Active",
                                               createdAt: "2026-01-01T00:00:00Z", accessKeySecret: "secret, shown once")
}

public struct AdminRole: AdminDocument, Hashable {
    public var name: String
    public var id: String
    public var arn: String
    public var trustPolicy: String
    public var maxSessionDuration: Int64
    public var description: String
    public var createdAt: String

    public init(name: String, id: String, arn: String, trustPolicy: String, maxSessionDuration: Int64,
                description: String, createdAt: String) {
        self.name = name
        self.id = id
        self.arn = arn
        self.trustPolicy = trustPolicy
        self.maxSessionDuration = maxSessionDuration
        self.description = description
        self.createdAt = createdAt
    }

    public static let example = AdminRole(
        name: "mobile-uploader", id: "300000000000000001", arn: "acs:ram::1234567890:role/mobile-uploader",
        trustPolicy: #"{"Version":"1","Statement":[]}"#, maxSessionDuration: 3600, description: "App users",
        createdAt: "2026-01-01T00:00:00Z")
}

public struct AdminPolicy: AdminDocument, Hashable {
    public var name: String
    public var document: String
    public var description: String
    public var createdAt: String

    public init(name: String, document: String, description: String, createdAt: String) {
        self.name = name
        self.document = document
        self.description = description
        self.createdAt = createdAt
    }

    public static let example = AdminPolicy(name: "own-files", document: #"{"Version":"1","Statement":[]}"#,
                                            description: "Read and write users/*", createdAt: "2026-01-01T00:00:00Z")
}

public struct AdminCreateUser: AdminDocument, Hashable {
    public var name: String
    public var displayName: String?

    public init(name: String, displayName: String? = nil) {
        self.name = name
        self.displayName = displayName
    }

    public static let example = AdminCreateUser(name: "app-server", displayName: "App server")
    public var resourceValues: [String: String] { ["name": name] }
}

public struct AdminUpdateAccessKey: AdminDocument, Hashable {
    /// `Active` or `Inactive`.
    public var status: String

    public init(status: String) { self.status = status }

    public static let example = AdminUpdateAccessKey(status: "Inactive")
}

public struct AdminCreateRole: AdminDocument, Hashable {
    public var name: String
    /// Absent: every principal of the account may assume the role.
    public var trustPolicy: String?
    public var maxSessionDuration: Int64?
    public var description: String?

    public init(name: String, trustPolicy: String? = nil, maxSessionDuration: Int64? = nil, description: String? = nil) {
        self.name = name
        self.trustPolicy = trustPolicy
        self.maxSessionDuration = maxSessionDuration
        self.description = description
    }

    public static let example = AdminCreateRole(name: "mobile-uploader", trustPolicy: #"{"Version":"1","Statement":[]}"#,
                                                maxSessionDuration: 3600, description: "App users")
    public var resourceValues: [String: String] { ["name": name] }
}

/// RAM's UpdateRole: each field present replaces the role's own.
public struct AdminUpdateRole: AdminDocument, Hashable {
    public var trustPolicy: String?
    public var maxSessionDuration: Int64?
    public var description: String?

    public init(trustPolicy: String? = nil, maxSessionDuration: Int64? = nil, description: String? = nil) {
        self.trustPolicy = trustPolicy
        self.maxSessionDuration = maxSessionDuration
        self.description = description
    }

    public static let example = AdminUpdateRole(
        trustPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:user/app-server"]}}]}"#,
        maxSessionDuration: 7200)
}

public struct AdminCreatePolicy: AdminDocument, Hashable {
    public var name: String
    public var document: String
    public var description: String?

    public init(name: String, document: String, description: String? = nil) {
        self.name = name
        self.document = document
        self.description = description
    }

    public static let example = AdminCreatePolicy(name: "own-files", document: #"{"Version":"1","Statement":[]}"#,
                                                  description: "Read and write users/*")
    public var resourceValues: [String: String] { ["name": name] }
}

public struct AdminNames: AdminDocument, Hashable {
    public var names: [String]

    public init(names: [String]) { self.names = names }

    public static let example = AdminNames(names: ["own-files"])
}

/// "Why was this denied?": `principal` is `root`, `anonymous`, `user/<name>` or `role/<name>[/<session>]`.
public struct AdminSimulate: AdminDocument, Hashable {
    public var principal: String
    public var action: String
    public var resource: String
    public var context: [String: [String]]?
    public var sessionPolicy: String?
    public var bucketPolicy: String?

    public init(principal: String, action: String, resource: String, context: [String: [String]]? = nil,
                sessionPolicy: String? = nil, bucketPolicy: String? = nil) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
        self.sessionPolicy = sessionPolicy
        self.bucketPolicy = bucketPolicy
    }

    public static let example = AdminSimulate(
        principal: "role/mobile-uploader/alice", action: "oss:GetObject", resource: "acs:oss:*:*:demo/users/bob/a.jpg",
        context: ["acs:SourceIp": ["10.0.0.1"]], sessionPolicy: #"{"Version":"1","Statement":[]}"#,
        bucketPolicy: #"{"Version":"1","Statement":[]}"#)
}

public struct AdminSimulation: AdminDocument, Hashable {
    public struct DecidedBy: Codable, Sendable, Hashable {
        public var policy: String
        public var statement: Int
        public var sid: String?
        public var effect: String

        public init(policy: String, statement: Int, sid: String?, effect: String) {
            self.policy = policy
            self.statement = statement
            self.sid = sid
            self.effect = effect
        }
    }

    public var allowed: Bool
    /// The explanation the policy engine gives.
    public var decision: String
    public var decidedBy: DecidedBy?

    public init(allowed: Bool, decision: String, decidedBy: DecidedBy?) {
        self.allowed = allowed
        self.decision = decision
        self.decidedBy = decidedBy
    }

    public static let example = AdminSimulation(
        allowed: false, decision: "Implicitly denied: the session policy allows no oss:GetObject on …",
        decidedBy: DecidedBy(policy: "policy \"own-files\" attached to role mobile-uploader", statement: 0, sid: "Own",
                             effect: "Allow"))
}

public struct AdminTokenKey: AdminDocument, Hashable {
    public var keyId: String

    public init(keyId: String) { self.keyId = keyId }

    public static let example = AdminTokenKey(keyId: "kt0a1b2c3d")
}

/// Requests on the OSS listener: in flight now, the peak since start, and served in all.
public struct AdminServerStats: AdminDocument, Hashable {
    public var inFlight: Int
    public var peak: Int
    public var served: Int

    public init(inFlight: Int, peak: Int, served: Int) {
        self.inFlight = inFlight
        self.peak = peak
        self.served = served
    }

    public static let example = AdminServerStats(inFlight: 3, peak: 17, served: 120_345)
}

/// Every failure of the admin API.
public struct AdminFailure: AdminDocument, Hashable, Error {
    public var code: String
    public var message: String
    public var requestId: String

    public init(code: String, message: String, requestId: String) {
        self.code = code
        self.message = message
        self.requestId = requestId
    }

    public static let example = AdminFailure(code: "NoPermission", message: "Implicitly denied: …",
                                             requestId: "5F1A2B3C4D5E6F7A8B9C0D1E")
}

/// A list answer: the documents as a JSON array.
extension Array: AdminDocument where Element: AdminDocument {
    public static var example: [Element] { [Element.example] }
}

/// One rule of a bucket's event notifications: which events (`ObjectCreated:Put`,
/// `ObjectCreated:CompleteMultipartUpload`, `ObjectCreated:AppendObject`, `ObjectRemoved:Delete`,
/// `ObjectRemoved:Expired`, `ObjectCreated:*`, `ObjectRemoved:*`, `*`) of which keys go to which webhook.
public struct AdminNotificationRule: AdminDocument, Hashable {
    public var id: String
    public var events: [String]
    public var prefix: String?
    public var suffix: String?
    public var endpoint: String

    public init(id: String, events: [String], prefix: String? = nil, suffix: String? = nil, endpoint: String) {
        self.id = id
        self.events = events
        self.prefix = prefix
        self.suffix = suffix
        self.endpoint = endpoint
    }

    public static let example = AdminNotificationRule(
        id: "new-photos", events: ["ObjectCreated:*"], prefix: "users/", suffix: ".jpg",
        endpoint: "https://app.example.com/v1/events")
}

/// A bucket's event notifications; no rules turns them off.
public struct AdminNotificationConfiguration: AdminDocument, Hashable {
    public var rules: [AdminNotificationRule]

    public init(rules: [AdminNotificationRule]) { self.rules = rules }

    public static let example = AdminNotificationConfiguration(rules: [AdminNotificationRule.example])
}

/// An event the outbox gave up delivering.
public struct AdminEvent: AdminDocument, Hashable {
    public var sequence: Int64
    public var bucket: String
    public var key: String
    public var ruleId: String
    public var endpoint: String
    public var eventName: String
    public var eTag: String?
    public var size: Int64?
    public var eventTime: String
    public var attempts: Int
    public var lastError: String?

    public init(sequence: Int64, bucket: String, key: String, ruleId: String, endpoint: String, eventName: String,
                eTag: String?, size: Int64?, eventTime: String, attempts: Int, lastError: String?) {
        self.sequence = sequence
        self.bucket = bucket
        self.key = key
        self.ruleId = ruleId
        self.endpoint = endpoint
        self.eventName = eventName
        self.eTag = eTag
        self.size = size
        self.eventTime = eventTime
        self.attempts = attempts
        self.lastError = lastError
    }

    public static let example = AdminEvent(
        sequence: 42, bucket: "photos", key: "users/1/a.jpg", ruleId: "new-photos",
        endpoint: "https://app.example.com/v1/events", eventName: "ObjectCreated:Put",
        eTag: "5D41402ABC4B2A76B9719D911017C592", size: 5, eventTime: "2026-12-05T10:00:00Z", attempts: 10,
        lastError: "HTTP 503")
}

/// How many dead events a replay put back in line.
public struct AdminReplayed: AdminDocument, Hashable {
    public var replayed: Int

    public init(replayed: Int) { self.replayed = replayed }

    public static let example = AdminReplayed(replayed: 3)
}

/// An asynchronous media job (`x-oss-async-process`) as its status reads.
/// A bucket's media job webhooks. `secret` is only ever sent (PUT); answers say `hasSecret` instead.
public struct AdminMediaNotification: AdminDocument, Hashable {
    /// Where jobs that name no `notify,topic_` of their own POST their end; nil: only jobs that name one notify.
    public var endpoint: String?
    /// The HMAC-SHA256 key (16-256 bytes) for `x-silo-hmac-sha256`; nil on a PUT removes it.
    public var secret: String?
    public var hasSecret: Bool?

    public init(endpoint: String?, secret: String? = nil, hasSecret: Bool? = nil) {
        self.endpoint = endpoint
        self.secret = secret
        self.hasSecret = hasSecret
    }

    public static let example = AdminMediaNotification(endpoint: "https://app.example.com/v1/media/notify",
                                                       secret: "a shared secret of 16 bytes or more", hasSecret: true)
}

public struct AdminMediaJob: AdminDocument, Hashable {
    public var taskId: String
    /// queued, running, succeeded, failed or cancelled.
    public var state: String
    public var bucket: String
    public var key: String
    /// video/convert, audio/convert or video/snapshots.
    public var process: String
    /// 0 to 100.
    public var progress: Int
    public var attempts: Int
    public var error: String?
    /// The keys written, once it succeeded.
    public var outputs: [String]
    public var outputBucket: String
    public var requester: String
    public var createdAt: String
    public var updatedAt: String
    /// none, pending, delivered or dead.
    public var notifyState: String
    public var notifyURL: String?
    /// Each webhook delivery attempt, newest last.
    public var notifyLog: [String]

    public init(taskId: String, state: String, bucket: String, key: String, process: String, progress: Int, attempts: Int,
                error: String?, outputs: [String], outputBucket: String, requester: String, createdAt: String,
                updatedAt: String, notifyState: String, notifyURL: String?, notifyLog: [String]) {
        self.taskId = taskId
        self.state = state
        self.bucket = bucket
        self.key = key
        self.process = process
        self.progress = progress
        self.attempts = attempts
        self.error = error
        self.outputs = outputs
        self.outputBucket = outputBucket
        self.requester = requester
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.notifyState = notifyState
        self.notifyURL = notifyURL
        self.notifyLog = notifyLog
    }

    public static let example = AdminMediaJob(
        taskId: "silo-2f1c0b8e-6a43-4d7e-9a53-0b8c1f6e2d10", state: "succeeded", bucket: "videos", key: "users/1/clip.mp4",
        process: "video/convert", progress: 100, attempts: 1, error: "HTTP 503 from the notify endpoint",
        outputs: ["users/1/clip-720p.mp4"], outputBucket: "videos", requester: "acs:ram::1:user/app",
        createdAt: "2026-12-05T10:00:00Z", updatedAt: "2026-12-05T10:00:09Z", notifyState: "delivered",
        notifyURL: "https://app.example.com/v1/media-jobs", notifyLog: ["2026-12-05T10:00:10Z HTTP 200"])
}
