/// The `<LifecycleConfiguration>` document: decoding with OSS's validation, and rendering.
extension LifecycleConfiguration {
    /// Decodes and validates a PutBucketLifecycle body. `allowOverlap` is `x-oss-allow-same-action-overlap: true`:
    /// without it two enabled rules whose prefixes overlap may not share an action.
    public static func parse(_ bytes: some Collection<UInt8>, allowOverlap: Bool) throws(OSSError) -> LifecycleConfiguration {
        let raw = try XMLBody.decode(RawConfiguration.self, from: bytes, root: "LifecycleConfiguration",
                                     maxElements: maxElements)
        guard !raw.rules.isEmpty, raw.rules.count <= maxRules else {
            throw .invalidArgument("A lifecycle configuration has 1 to \(maxRules) rules.")
        }
        var rules: [LifecycleRule] = []
        var ids = Set<String>()
        for (index, rawRule) in raw.rules.enumerated() {
            var rule = try rawRule.rule()
            if rule.id.isEmpty { rule.id = "rule-\(index + 1)" }
            guard ids.insert(rule.id).inserted else { throw .invalidArgument("Rule ID must be unique: \(rule.id).") }
            rules.append(rule)
        }
        if !allowOverlap { try checkOverlap(rules) }
        return LifecycleConfiguration(rules: rules)
    }

    static func checkOverlap(_ rules: [LifecycleRule]) throws(OSSError) {
        let enabled = rules.filter(\.enabled)
        for (i, first) in enabled.enumerated() {
            for second in enabled[(i + 1)...]
            where first.prefix.hasPrefix(second.prefix) || second.prefix.hasPrefix(first.prefix) {
                if let action = first.actionNames.first(where: second.actionNames.contains) {
                    throw .invalidArgument("Overlap for same action type \(action)")
                }
            }
        }
    }
}

struct RawConfiguration: Decodable {
    var rules: [RawRule]
    enum CodingKeys: String, CodingKey { case rules = "Rule" }
    init(from decoder: any Decoder) throws {
        rules = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([RawRule].self, forKey: .rules) ?? []
    }
}

extension XMLTagElement {
    /// Lifecycle tags follow the object tag alphabet; OSS does not hold them to the object tag lengths.
    func lifecycleTag() throws(OSSError) -> ResourceTag {
        guard !key.isEmpty, ObjectTagSet.isAllowed(key), ObjectTagSet.isAllowed(value) else {
            throw .invalidArgument("The lifecycle rule's tag is invalid.", name: "Tag", value: key)
        }
        return ResourceTag(key, value)
    }
}

/// The time elements an action may carry: exactly one of them.
struct RawTime: Decodable {
    var days: String?
    var date: String?
    var createdBeforeDate: String?
    var expiredObjectDeleteMarker: String?
    var storageClass: String?
    var isAccessTime: String?
    var returnToStdWhenVisit: String?
    var allowSmallFile: String?
    var noncurrentDays: String?

    enum CodingKeys: String, CodingKey {
        case days = "Days"
        case date = "Date"
        case createdBeforeDate = "CreatedBeforeDate"
        case expiredObjectDeleteMarker = "ExpiredObjectDeleteMarker"
        case storageClass = "StorageClass"
        case isAccessTime = "IsAccessTime"
        case returnToStdWhenVisit = "ReturnToStdWhenVisit"
        case allowSmallFile = "AllowSmallFile"
        case noncurrentDays = "NoncurrentDays"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        days = try c.decodeIfPresent(String.self, forKey: .days)
        date = try c.decodeIfPresent(String.self, forKey: .date)
        createdBeforeDate = try c.decodeIfPresent(String.self, forKey: .createdBeforeDate)
        expiredObjectDeleteMarker = try c.decodeIfPresent(String.self, forKey: .expiredObjectDeleteMarker)
        storageClass = try c.decodeIfPresent(String.self, forKey: .storageClass)
        isAccessTime = try c.decodeIfPresent(String.self, forKey: .isAccessTime)
        returnToStdWhenVisit = try c.decodeIfPresent(String.self, forKey: .returnToStdWhenVisit)
        allowSmallFile = try c.decodeIfPresent(String.self, forKey: .allowSmallFile)
        noncurrentDays = try c.decodeIfPresent(String.self, forKey: .noncurrentDays)
    }

    static func days(_ text: String, _ element: String) throws(OSSError) -> Int {
        guard let days = Int(text), days >= 1, days <= 365_000 else {
            throw .invalidArgument("\(element) must be a positive number of days.", name: element, value: text)
        }
        return days
    }

    /// OSS takes dates at midnight UTC in ISO 8601 (`2016-12-25T00:00:00.000Z`).
    static func date(_ text: String, _ element: String) throws(OSSError) -> Int64 {
        guard let seconds = Timestamps.parseISO8601(text), seconds % 86_400 == 0 else {
            throw .invalidArgument("\(element) must be midnight UTC in ISO 8601.", name: element, value: text)
        }
        return seconds
    }

    static func bool(_ text: String?, _ element: String) throws(OSSError) -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidArgument("\(element) must be true or false.", name: element, value: text)
        }
    }

    func time(_ element: String, allowDate: Bool) throws(OSSError) -> LifecycleTime {
        var found: [LifecycleTime] = []
        if let days { found.append(.days(try Self.days(days, element + ".Days"))) }
        if let createdBeforeDate { found.append(.createdBefore(try Self.date(createdBeforeDate, element + ".CreatedBeforeDate"))) }
        if allowDate, let date { found.append(.date(try Self.date(date, element + ".Date"))) }
        guard found.count == 1, let time = found.first else {
            throw .invalidArgument("\(element) needs exactly one of Days or CreatedBeforeDate.", name: element)
        }
        return time
    }

    func coldClass(_ element: String) throws(OSSError) -> StorageClass {
        guard let text = storageClass, let storageClass = StorageClass(wire: text), storageClass != .standard else {
            throw .invalidArgument("\(element).StorageClass must be IA, Archive, ColdArchive or DeepColdArchive.",
                                   name: element + ".StorageClass", value: storageClass)
        }
        return storageClass
    }
}

struct RawNot: Decodable {
    var prefix: String
    var tag: XMLTagElement?
    enum CodingKeys: String, CodingKey {
        case prefix = "Prefix"
        case tag = "Tag"
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix) ?? ""
        tag = try c.decodeIfPresent(XMLTagElement.self, forKey: .tag)
    }
}

struct RawFilter: Decodable {
    var greater: String?
    var less: String?
    var not: [RawNot]
    enum CodingKeys: String, CodingKey {
        case greater = "ObjectSizeGreaterThan"
        case less = "ObjectSizeLessThan"
        case not = "Not"
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        greater = try c.decodeIfPresent(String.self, forKey: .greater)
        less = try c.decodeIfPresent(String.self, forKey: .less)
        not = try c.decodeIfPresent([RawNot].self, forKey: .not) ?? []
    }
}

struct RawRule: Decodable {
    var id: String
    var prefix: String
    var status: String
    var expiration: RawTime?
    var abort: RawTime?
    var transitions: [RawTime]
    var tags: [XMLTagElement]
    var noncurrentExpiration: RawTime?
    var noncurrentTransitions: [RawTime]
    var filter: RawFilter?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case prefix = "Prefix"
        case status = "Status"
        case expiration = "Expiration"
        case abort = "AbortMultipartUpload"
        case transitions = "Transition"
        case tags = "Tag"
        case noncurrentExpiration = "NoncurrentVersionExpiration"
        case noncurrentTransitions = "NoncurrentVersionTransition"
        case filter = "Filter"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix) ?? ""
        status = try c.decode(String.self, forKey: .status)
        expiration = try c.decodeIfPresent(RawTime.self, forKey: .expiration)
        abort = try c.decodeIfPresent(RawTime.self, forKey: .abort)
        transitions = try c.decodeIfPresent([RawTime].self, forKey: .transitions) ?? []
        tags = try c.decodeIfPresent([XMLTagElement].self, forKey: .tags) ?? []
        noncurrentExpiration = try c.decodeIfPresent(RawTime.self, forKey: .noncurrentExpiration)
        noncurrentTransitions = try c.decodeIfPresent([RawTime].self, forKey: .noncurrentTransitions) ?? []
        filter = try c.decodeIfPresent(RawFilter.self, forKey: .filter)
    }

    func rule() throws(OSSError) -> LifecycleRule {
        guard id.utf8.count <= 255 else { throw .invalidArgument("The rule ID is longer than 255 bytes.", name: "ID") }
        guard prefix.utf8.count <= Names.maxKeyBytes else { throw .invalidArgument("The rule prefix is too long.", name: "Prefix") }
        guard status == "Enabled" || status == "Disabled" else { throw .malformedXML }
        var rule = LifecycleRule(id: id, prefix: prefix, enabled: status == "Enabled")
        if let expiration {
            if let marker = expiration.expiredObjectDeleteMarker, expiration.days == nil, expiration.date == nil,
               expiration.createdBeforeDate == nil {
                rule.expiredObjectDeleteMarker = try RawTime.bool(marker, "Expiration.ExpiredObjectDeleteMarker")
            } else {
                rule.expiration = try expiration.time("Expiration", allowDate: true)
            }
        }
        if let abort { rule.abortMultipartUpload = try abort.time("AbortMultipartUpload", allowDate: false) }
        for raw in transitions {
            var transition = LifecycleRule.Transition(storageClass: try raw.coldClass("Transition"),
                                                      time: try raw.time("Transition", allowDate: false))
            transition.isAccessTime = try RawTime.bool(raw.isAccessTime, "Transition.IsAccessTime")
            transition.returnToStdWhenVisit = try RawTime.bool(raw.returnToStdWhenVisit, "Transition.ReturnToStdWhenVisit")
            transition.allowSmallFile = try RawTime.bool(raw.allowSmallFile, "Transition.AllowSmallFile")
            rule.transitions.append(transition)
        }
        var seen = Set<String>()
        for raw in tags {
            let tag = try raw.lifecycleTag()
            guard seen.insert(tag.key).inserted else { throw .invalidArgument("A rule's tag keys must be unique.", name: "Tag") }
            rule.tags.append(tag)
        }
        if let noncurrentExpiration {
            guard let text = noncurrentExpiration.noncurrentDays else { throw .malformedXML }
            rule.noncurrentVersionExpirationDays = try RawTime.days(text, "NoncurrentVersionExpiration.NoncurrentDays")
        }
        for raw in noncurrentTransitions {
            guard let text = raw.noncurrentDays else { throw .malformedXML }
            rule.noncurrentVersionTransitions.append(LifecycleRule.NoncurrentTransition(
                noncurrentDays: try RawTime.days(text, "NoncurrentVersionTransition.NoncurrentDays"),
                storageClass: try raw.coldClass("NoncurrentVersionTransition"),
                isAccessTime: try RawTime.bool(raw.isAccessTime, "NoncurrentVersionTransition.IsAccessTime"),
                returnToStdWhenVisit: try RawTime.bool(raw.returnToStdWhenVisit, "NoncurrentVersionTransition.ReturnToStdWhenVisit"),
                allowSmallFile: try RawTime.bool(raw.allowSmallFile, "NoncurrentVersionTransition.AllowSmallFile")))
        }
        if let filter { try apply(filter, to: &rule) }
        guard !rule.actionNames.isEmpty else {
            throw .invalidArgument("A lifecycle rule needs at least one action.", name: "Rule", value: rule.id)
        }
        try Self.checkTimes(rule)
        return rule
    }

    func apply(_ filter: RawFilter, to rule: inout LifecycleRule) throws(OSSError) {
        func size(_ text: String?, _ element: String) throws(OSSError) -> Int64? {
            guard let text else { return nil }
            guard let value = Int64(text), value >= 0 else {
                throw .invalidArgument("\(element) must be a size in bytes.", name: element, value: text)
            }
            return value
        }
        rule.objectSizeGreaterThan = try size(filter.greater, "Filter.ObjectSizeGreaterThan")
        rule.objectSizeLessThan = try size(filter.less, "Filter.ObjectSizeLessThan")
        if let floor = rule.objectSizeGreaterThan, let ceiling = rule.objectSizeLessThan, floor >= ceiling {
            throw .invalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan.", name: "Filter")
        }
        // OSS takes one Not per rule, under the rule's own prefix.
        guard filter.not.count <= 1 else { throw .invalidArgument("A rule's filter has at most one Not.", name: "Filter.Not") }
        for not in filter.not {
            guard not.prefix.hasPrefix(rule.prefix), not.prefix != rule.prefix || not.tag != nil else {
                throw .invalidArgument("Not.Prefix must lie under the rule's prefix.", name: "Filter.Not.Prefix",
                                       value: not.prefix)
            }
            rule.exclusions.append(LifecycleRule.Exclusion(prefix: not.prefix, tag: try not.tag?.lifecycleTag()))
        }
    }

    /// Expiration and transitions speak of the same time (all in days or all in dates), the colder class comes
    /// later, and expiration comes after every transition.
    static func checkTimes(_ rule: LifecycleRule) throws(OSSError) {
        let times = rule.transitions.map(\.time) + [rule.expiration].compactMap { $0 }
        if let first = times.first, times.contains(where: { $0.isDays != first.isDays }) {
            throw OSSError(status: 400, code: "InvalidRequest",
                           message: "Expiration and Transition must both use Days or both use dates.")
        }
        let byColdness = rule.transitions.sorted { $0.storageClass.coldness < $1.storageClass.coldness }
        for (warmer, colder) in zip(byColdness, byColdness.dropFirst()) {
            guard warmer.storageClass != colder.storageClass else {
                throw .invalidArgument("A rule may transition to each storage class once.", name: "Transition")
            }
            guard colder.time.order > warmer.time.order else {
                throw .invalidArgument("The transition to \(colder.storageClass.rawValue) must come after the one to "
                                       + "\(warmer.storageClass.rawValue).", name: "Transition")
            }
        }
        if let expiration = rule.expiration, let last = byColdness.last, expiration.order <= last.time.order {
            throw .invalidArgument("Expiration must come after every transition.", name: "Expiration")
        }
        // The same order for non-current versions, counted in days since they stopped being current.
        let noncurrent = rule.noncurrentVersionTransitions.sorted { $0.storageClass.coldness < $1.storageClass.coldness }
        for (warmer, colder) in zip(noncurrent, noncurrent.dropFirst()) {
            guard warmer.storageClass != colder.storageClass else {
                throw .invalidArgument("A rule may transition non-current versions to each storage class once.",
                                       name: "NoncurrentVersionTransition")
            }
            guard colder.noncurrentDays > warmer.noncurrentDays else {
                throw .invalidArgument("The non-current transition to \(colder.storageClass.rawValue) must come after "
                                       + "the one to \(warmer.storageClass.rawValue).", name: "NoncurrentVersionTransition")
            }
        }
        if let days = rule.noncurrentVersionExpirationDays, let last = noncurrent.last, days <= last.noncurrentDays {
            throw .invalidArgument("NoncurrentVersionExpiration must come after every non-current transition.",
                                   name: "NoncurrentVersionExpiration")
        }
    }
}

extension LifecycleRule {
    func render(into w: XMLWriter) {
        func date(_ seconds: Int64) -> String { Timestamps.iso8601(unixSeconds: seconds) }
        func time(_ time: LifecycleTime) {
            switch time {
            case .days(let days): w.element("Days", days)
            case .createdBefore(let cutoff): w.element("CreatedBeforeDate", date(cutoff))
            case .date(let cutoff): w.element("Date", date(cutoff))
            }
        }
        func optionalBool(_ name: String, _ value: Bool?) { if let value { w.element(name, value) } }
        w.element("Rule") {
            w.element("ID", id)
            w.element("Prefix", prefix)
            w.element("Status", enabled ? "Enabled" : "Disabled")
            if let expiration {
                w.element("Expiration") { time(expiration) }
            } else if let marker = expiredObjectDeleteMarker {
                w.element("Expiration") { w.element("ExpiredObjectDeleteMarker", marker) }
            }
            for transition in transitions {
                w.element("Transition") {
                    time(transition.time)
                    w.element("StorageClass", transition.storageClass.rawValue)
                    optionalBool("IsAccessTime", transition.isAccessTime)
                    optionalBool("ReturnToStdWhenVisit", transition.returnToStdWhenVisit)
                    optionalBool("AllowSmallFile", transition.allowSmallFile)
                }
            }
            if let abort = abortMultipartUpload { w.element("AbortMultipartUpload") { time(abort) } }
            for tag in tags {
                w.element("Tag") {
                    w.element("Key", tag.key)
                    w.element("Value", tag.value)
                }
            }
            if let days = noncurrentVersionExpirationDays {
                w.element("NoncurrentVersionExpiration") { w.element("NoncurrentDays", days) }
            }
            for transition in noncurrentVersionTransitions {
                w.element("NoncurrentVersionTransition") {
                    w.element("NoncurrentDays", transition.noncurrentDays)
                    w.element("StorageClass", transition.storageClass.rawValue)
                    optionalBool("IsAccessTime", transition.isAccessTime)
                    optionalBool("ReturnToStdWhenVisit", transition.returnToStdWhenVisit)
                    optionalBool("AllowSmallFile", transition.allowSmallFile)
                }
            }
            if objectSizeGreaterThan != nil || objectSizeLessThan != nil || !exclusions.isEmpty {
                w.element("Filter") {
                    if let floor = objectSizeGreaterThan { w.element("ObjectSizeGreaterThan", floor) }
                    if let ceiling = objectSizeLessThan { w.element("ObjectSizeLessThan", ceiling) }
                    for exclusion in exclusions {
                        w.element("Not") {
                            w.element("Prefix", exclusion.prefix)
                            if let tag = exclusion.tag {
                                w.element("Tag") {
                                    w.element("Key", tag.key)
                                    w.element("Value", tag.value)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension OSSError {
    public static func noSuchLifecycle(_ bucket: String) -> OSSError {
        OSSError(status: 404, code: "NoSuchLifecycle", message: "No Row found in Lifecycle Table.").with("BucketName", bucket)
    }
}
