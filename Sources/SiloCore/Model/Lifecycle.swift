/// A bucket's lifecycle rules (PutBucketLifecycle): which objects expire or move to a colder storage class, and
/// when unfinished multipart uploads are aborted. The document is decoded and rendered by the same type; the
/// rules' validity is OSS's (`validate`), and `LifecycleRule` answers what a rule does to one object.
public struct LifecycleConfiguration: Sendable, Hashable, XMLRenderable {
    public static let maxRules = 1000
    public static let maxBodyBytes = 1024 * 1024
    /// A rule has at most about 40 elements (a few transitions, tags and a Not); the bound refuses a larger
    /// document before it is decoded.
    public static let maxElements = maxRules * 40

    public var rules: [LifecycleRule]

    public init(rules: [LifecycleRule]) {
        self.rules = rules
    }

    public func render(into w: XMLWriter) {
        w.element("LifecycleConfiguration") {
            for rule in rules { rule.render(into: w) }
        }
    }
}

/// When an action applies: a number of days after the object's last modification (or the upload's
/// initiation), or to everything last modified before a date (midnight UTC).
public enum LifecycleTime: Sendable, Hashable {
    case days(Int)
    case createdBefore(Int64)
    /// `<Date>`, OSS's older spelling of a cut-off date for Expiration.
    case date(Int64)

    /// Whether the action is due for something dated `time` at `now`. A number of days counts from `time` and is
    /// due from the first midnight (UTC) at or after `time + days`, as OSS runs its rules once a day.
    public func isDue(time: Int64, now: Int64) -> Bool {
        switch self {
        case .days(let days):
            let reached = time + Int64(days) * 86_400
            let midnight = (reached + 86_399) / 86_400 * 86_400
            return now >= midnight
        case .createdBefore(let cutoff), .date(let cutoff):
            return time < cutoff
        }
    }

    var isDays: Bool {
        if case .days = self { return true }
        return false
    }

    /// Days, or a cut-off date, comparable with the other of the same kind: a later action has more days or an
    /// earlier cut-off.
    var order: Int64 {
        switch self {
        case .days(let days): return Int64(days)
        case .createdBefore(let cutoff), .date(let cutoff): return -cutoff
        }
    }
}

public struct LifecycleRule: Sendable, Hashable {
    public struct Transition: Sendable, Hashable {
        public var storageClass: StorageClass
        public var time: LifecycleTime
        public var isAccessTime: Bool?
        public var returnToStdWhenVisit: Bool?
        public var allowSmallFile: Bool?

        public init(storageClass: StorageClass, time: LifecycleTime) {
            self.storageClass = storageClass
            self.time = time
        }
    }

    public struct NoncurrentTransition: Sendable, Hashable {
        public var noncurrentDays: Int
        public var storageClass: StorageClass
        public var isAccessTime: Bool?
        public var returnToStdWhenVisit: Bool?
        public var allowSmallFile: Bool?

        public init(noncurrentDays: Int, storageClass: StorageClass, isAccessTime: Bool? = nil,
                    returnToStdWhenVisit: Bool? = nil, allowSmallFile: Bool? = nil) {
            self.noncurrentDays = noncurrentDays
            self.storageClass = storageClass
            self.isAccessTime = isAccessTime
            self.returnToStdWhenVisit = returnToStdWhenVisit
            self.allowSmallFile = allowSmallFile
        }
    }

    /// `<Filter><Not>`: objects under `prefix` (carrying `tag`, when given) are left alone.
    public struct Exclusion: Sendable, Hashable {
        public var prefix: String
        public var tag: ResourceTag?

        public init(prefix: String, tag: ResourceTag? = nil) {
            self.prefix = prefix
            self.tag = tag
        }
    }

    public var id: String
    public var prefix: String
    public var enabled: Bool
    public var expiration: LifecycleTime?
    /// `<Expiration><ExpiredObjectDeleteMarker>`: for versioned buckets; stored and returned.
    public var expiredObjectDeleteMarker: Bool?
    public var abortMultipartUpload: LifecycleTime?
    public var transitions: [Transition]
    public var tags: [ResourceTag]
    /// Versioned buckets' actions: stored and returned; Silo has no versions for them to act on yet.
    public var noncurrentVersionExpirationDays: Int?
    public var noncurrentVersionTransitions: [NoncurrentTransition]
    public var objectSizeGreaterThan: Int64?
    public var objectSizeLessThan: Int64?
    public var exclusions: [Exclusion]

    public init(id: String, prefix: String, enabled: Bool = true, expiration: LifecycleTime? = nil,
                abortMultipartUpload: LifecycleTime? = nil, transitions: [Transition] = [], tags: [ResourceTag] = [],
                objectSizeGreaterThan: Int64? = nil, objectSizeLessThan: Int64? = nil, exclusions: [Exclusion] = []) {
        self.id = id
        self.prefix = prefix
        self.enabled = enabled
        self.expiration = expiration
        self.abortMultipartUpload = abortMultipartUpload
        self.transitions = transitions
        self.tags = tags
        self.noncurrentVersionTransitions = []
        self.objectSizeGreaterThan = objectSizeGreaterThan
        self.objectSizeLessThan = objectSizeLessThan
        self.exclusions = exclusions
    }

    /// Whether the rule selects an object of this key, size and tags (its actions' times aside).
    public func selects(key: String, size: Int64, tags objectTags: [ResourceTag]) -> Bool {
        guard key.hasPrefix(prefix) else { return false }
        if let floor = objectSizeGreaterThan, size <= floor { return false }
        if let ceiling = objectSizeLessThan, size >= ceiling { return false }
        guard tags.allSatisfy(objectTags.contains) else { return false }
        return !exclusions.contains { exclusion in
            key.hasPrefix(exclusion.prefix) && (exclusion.tag.map(objectTags.contains) ?? true)
        }
    }

    /// Whether the rule could select some object without reading its tags.
    public var needsTags: Bool { !tags.isEmpty || exclusions.contains { $0.tag != nil } }

    /// The coldest storage class whose transition is due for an object last modified at `lastModified`, if it
    /// is colder than `current`.
    public func dueTransition(lastModified: Int64, current: StorageClass, now: Int64) -> StorageClass? {
        let due = transitions.filter { $0.time.isDue(time: lastModified, now: now) }.map(\.storageClass)
        guard let coldest = due.max(by: { $0.coldness < $1.coldness }), coldest.coldness > current.coldness else {
            return nil
        }
        return coldest
    }

    /// The coldest storage class whose non-current transition is due for a version that stopped being current
    /// at `noncurrentSince`, if it is colder than `current`.
    public func dueNoncurrentTransition(noncurrentSince: Int64, current: StorageClass, now: Int64) -> StorageClass? {
        let due = noncurrentVersionTransitions
            .filter { LifecycleTime.days($0.noncurrentDays).isDue(time: noncurrentSince, now: now) }.map(\.storageClass)
        guard let coldest = due.max(by: { $0.coldness < $1.coldness }), coldest.coldness > current.coldness else {
            return nil
        }
        return coldest
    }

    /// Whether a version that stopped being current at `noncurrentSince` has expired.
    public func noncurrentExpired(noncurrentSince: Int64, now: Int64) -> Bool {
        noncurrentVersionExpirationDays.map { LifecycleTime.days($0).isDue(time: noncurrentSince, now: now) } ?? false
    }

    /// Whether the rule acts on versions other than the current one.
    public var actsOnVersions: Bool {
        noncurrentVersionExpirationDays != nil || !noncurrentVersionTransitions.isEmpty || expiredObjectDeleteMarker == true
    }

    var actionNames: [String] {
        var names: [String] = []
        if expiration != nil || expiredObjectDeleteMarker != nil { names.append("Expiration") }
        if !transitions.isEmpty { names.append("Transition") }
        if abortMultipartUpload != nil { names.append("AbortMultipartUpload") }
        if noncurrentVersionExpirationDays != nil { names.append("NoncurrentVersionExpiration") }
        if !noncurrentVersionTransitions.isEmpty { names.append("NoncurrentVersionTransition") }
        return names
    }
}

extension StorageClass {
    /// Transitions only go colder.
    public var coldness: Int {
        switch self {
        case .standard: return 0
        case .ia: return 1
        case .archive: return 2
        case .coldArchive: return 3
        case .deepColdArchive: return 4
        }
    }
}
