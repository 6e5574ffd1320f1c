import Foundation
import SiloCore

/// A bucket's event notifications: which changes of which keys are announced to which webhook.
public struct NotificationConfiguration: Codable, Sendable, Hashable {
    public static let maxRules = 100

    public var rules: [NotificationRule]
    /// Where the bucket's media jobs announce their end, and the key their webhooks are signed with.
    public var media: MediaNotification?

    public init(rules: [NotificationRule], media: MediaNotification? = nil) {
        self.rules = rules
        self.media = media
    }

    /// Nothing to announce: the bucket stores no configuration.
    public var isEmpty: Bool { rules.isEmpty && media == nil }

    /// What must hold before a configuration is stored.
    public func validated() throws -> NotificationConfiguration {
        guard rules.count <= Self.maxRules else { throw StorageError.invalidNotification("at most \(Self.maxRules) rules") }
        var ids = Set<String>()
        for rule in rules {
            guard !rule.id.isEmpty, rule.id.utf8.count <= 255, ids.insert(rule.id).inserted else {
                throw StorageError.invalidNotification("each rule needs a unique id of 1 to 255 bytes")
            }
            guard !rule.events.isEmpty, rule.events.allSatisfy(ObjectEventName.isPattern) else {
                throw StorageError.invalidNotification(
                    "rule \(rule.id): events must be among \(ObjectEventName.all.joined(separator: ", ")), ObjectCreated:*, ObjectRemoved:* or *")
            }
            guard Self.isWebhookURL(rule.endpoint) else { throw StorageError.invalidNotification("rule \(rule.id): the endpoint must be an http(s) URL") }
        }
        if let endpoint = media?.endpoint, !Self.isWebhookURL(endpoint) {
            throw StorageError.invalidNotification("the media job endpoint must be an http(s) URL")
        }
        return self
    }

    static func isWebhookURL(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, let url = URL(string: text) else { return false }
        return ["http", "https"].contains(url.scheme?.lowercased() ?? "") && url.host?.isEmpty == false
    }

    /// The events a change produces: one per rule that selects it.
    public func events(named name: String, bucket: String, key: String, etag: String?, size: Int64?, time: Int64) -> [PendingEvent] {
        rules.filter { $0.selects(name, key: key) }.map { rule in
            PendingEvent(ruleId: rule.id, endpoint: rule.endpoint, name: name, bucket: bucket, key: key, etag: etag,
                         size: size, time: time)
        }
    }
}

/// A bucket's media job webhooks: the URL jobs that name no topic of their own notify, and the HMAC key that signs
/// every media job webhook of the bucket (sealed under the master key; nil: signed by the storage key alone).
public struct MediaNotification: Codable, Sendable, Hashable {
    public var endpoint: String?
    /// Base64 of the key sealed by the master key, bound to the bucket's name.
    public var sealedSecret: String?

    public init(endpoint: String?, sealedSecret: String?) {
        self.endpoint = endpoint
        self.sealedSecret = sealedSecret
    }
}

public struct NotificationRule: Codable, Sendable, Hashable {
    public var id: String
    /// Event names or patterns: `ObjectCreated:Put`, `ObjectCreated:*`, `ObjectRemoved:*`, `*`.
    public var events: [String]
    public var prefix: String?
    public var suffix: String?
    /// Where the signed JSON is POSTed. The callback address rules apply (`--callback-policy`).
    public var endpoint: String

    public init(id: String, events: [String], prefix: String? = nil, suffix: String? = nil, endpoint: String) {
        self.id = id
        self.events = events
        self.prefix = prefix
        self.suffix = suffix
        self.endpoint = endpoint
    }

    func selects(_ name: String, key: String) -> Bool {
        if let prefix, !key.hasPrefix(prefix) { return false }
        if let suffix, !key.hasSuffix(suffix) { return false }
        return events.contains { pattern in
            pattern == "*" || pattern == name || (pattern.hasSuffix(":*") && name.hasPrefix(pattern.dropLast()))
        }
    }
}

public enum ObjectEventName {
    public static let put = "ObjectCreated:Put"
    public static let completeMultipartUpload = "ObjectCreated:CompleteMultipartUpload"
    public static let appendObject = "ObjectCreated:AppendObject"
    public static let delete = "ObjectRemoved:Delete"
    /// A lifecycle rule expired the object.
    public static let expired = "ObjectRemoved:Expired"
    /// A delete in a versioned bucket: the object stays as a non-current version behind a delete marker.
    public static let deleteMarkerCreated = "ObjectRemoved:DeleteMarkerCreated"
    public static let all = [put, completeMultipartUpload, appendObject, delete, expired, deleteMarkerCreated]

    static func isPattern(_ text: String) -> Bool {
        text == "*" || text == "ObjectCreated:*" || text == "ObjectRemoved:*" || all.contains(text)
    }

    /// What a commit announces: new content under the key (not an ACL, tag or storage-class change), named by
    /// the kind of object it made.
    static func created(_ record: ObjectRecord, replacing current: ObjectRecord?) -> String? {
        if let current, current.etag == record.etag, current.size == record.size,
           current.lastModified == record.lastModified, current.extents == record.extents {
            return nil
        }
        switch record.type {
        case .multipart: return completeMultipartUpload
        case .appendable: return appendObject
        default: return put
        }
    }
}

/// An event as a commit writes it, in the same transaction as the change it announces.
public struct PendingEvent: Sendable, Hashable, Codable {
    public var ruleId: String
    public var endpoint: String
    public var name: String
    public var bucket: String
    public var key: String
    public var etag: String?
    public var size: Int64?
    public var time: Int64

    public init(ruleId: String, endpoint: String, name: String, bucket: String, key: String, etag: String?, size: Int64?,
                time: Int64) {
        self.ruleId = ruleId
        self.endpoint = endpoint
        self.name = name
        self.bucket = bucket
        self.key = key
        self.etag = etag
        self.size = size
        self.time = time
    }

    /// The events a write of `record` over `current` produces, under the bucket's configuration.
    public static func forCommit(_ record: ObjectRecord, replacing current: ObjectRecord?,
                                 configuration: NotificationConfiguration?, now: Int64) -> [PendingEvent] {
        guard let configuration, let name = ObjectEventName.created(record, replacing: current) else { return [] }
        return configuration.events(named: name, bucket: record.bucket, key: record.key, etag: record.etag,
                                    size: record.size, time: now)
    }

    public static func forDelete(_ removed: ObjectRecord, name: String = ObjectEventName.delete,
                                 configuration: NotificationConfiguration?, now: Int64) -> [PendingEvent] {
        guard let configuration else { return [] }
        return configuration.events(named: name, bucket: removed.bucket, key: removed.key, etag: removed.etag,
                                    size: removed.size, time: now)
    }
}

/// A stored event and its delivery state.
public struct StoredEvent: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable { case pending, dead }

    public var sequence: Int64
    public var event: PendingEvent
    public var state: State
    public var attempts: Int
    public var lastError: String?

    public init(sequence: Int64, event: PendingEvent, state: State, attempts: Int, lastError: String?) {
        self.sequence = sequence
        self.event = event
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
    }
}

/// The outbox: events committed with their changes, delivered at least once, in commit order per key and rule.
public protocol EventStore: Sendable {
    /// Up to `limit` events due now, each the oldest pending one of its key and rule, claimed for `lease` seconds
    /// so no other deliverer takes them meanwhile.
    func claimDueEvents(now: Int64, lease: Int64, limit: Int) async throws -> [StoredEvent]
    /// Records a delivery attempt: delivered (the event leaves the outbox), to be retried, or given up (dead).
    func finishEvent(_ sequence: Int64, outcome: EventOutcome) async throws
    /// Events in `state`, oldest first, of one bucket or all.
    func events(state: StoredEvent.State, bucket: String?, limit: Int) async throws -> [StoredEvent]
    /// Makes dead events pending again, due at `now`; answers how many.
    func replayDeadEvents(bucket: String?, now: Int64) async throws -> Int
}

public enum EventOutcome: Sendable, Hashable {
    case delivered
    case retry(at: Int64, attempts: Int, error: String)
    case dead(attempts: Int, error: String)
}
