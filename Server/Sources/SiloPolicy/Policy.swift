import SiloCore

/// A RAM policy (identity, session, bucket or trust policy), parsed and validated (spec §16.1).
public struct Policy: Sendable, Hashable {
    public var version: String
    public var statements: [Statement]

    public init(version: String = "1", statements: [Statement]) {
        self.version = version
        self.statements = statements
    }
}

public enum Effect: String, Sendable, Hashable {
    case allow = "Allow"
    case deny = "Deny"
}

/// Which actions or resources a statement names: a list of patterns, or everything but a list (`NotAction`).
public enum PatternSet: Sendable, Hashable {
    case any(of: [String])
    case noneOf([String])

    func matches(_ value: String, caseInsensitive: Bool) -> Bool {
        switch self {
        case .any(let patterns): return patterns.contains { Wildcard.matches($0, value, caseInsensitive: caseInsensitive) }
        case .noneOf(let patterns): return !patterns.contains { Wildcard.matches($0, value, caseInsensitive: caseInsensitive) }
        }
    }
}

/// `Principal` in bucket and trust policies: `*`, a bare list of ids, or typed lists (`{"RAM": [...]}`).
public enum PrincipalSet: Sendable, Hashable {
    case anyone
    case ids([String])
    case typed([String: [String]])
}

public struct Statement: Sendable, Hashable {
    public var sid: String?
    public var effect: Effect
    public var actions: PatternSet
    /// Absent in trust policies, which name no resource.
    public var resources: PatternSet?
    public var principals: PrincipalSet?
    public var conditions: [Condition]

    public init(sid: String? = nil, effect: Effect, actions: PatternSet, resources: PatternSet?,
                principals: PrincipalSet? = nil, conditions: [Condition] = []) {
        self.sid = sid
        self.effect = effect
        self.actions = actions
        self.resources = resources
        self.principals = principals
        self.conditions = conditions
    }
}

public struct Condition: Sendable, Hashable {
    public var op: ConditionOperator
    /// Lower-cased: condition keys are case-insensitive.
    public var key: String
    public var values: [String]

    public init(_ op: ConditionOperator, _ key: String, _ values: [String]) {
        self.op = op
        self.key = key.lowercased()
        self.values = values
    }
}

/// A grammar error, reported as `InvalidParameter.PolicyGrammar` (STS) or `InvalidPolicyDocument` (OSS).
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Policy {
    /// Parses RAM policy JSON. Unknown elements are errors, so a typo never silently widens or narrows access.
    public init(json: String) throws(PolicyError) {
        try self.init(jsonBytes: Array(json.utf8))
    }

    public init(jsonBytes: [UInt8]) throws(PolicyError) {
        guard let parsed = JSONValue.parse(jsonBytes) else { throw PolicyError("The policy is not valid JSON.") }
        guard case .object(let root) = parsed else { throw PolicyError("The policy must be a JSON object.") }
        for key in root.keys where key != "Version" && key != "Statement" {
            throw PolicyError("Unknown policy element \(key).")
        }
        guard case .string(let version)? = root["Version"] else { throw PolicyError("Version is required.") }
        guard version == "1" else { throw PolicyError("Version must be \"1\".") }
        let rawStatements: [JSONValue]
        switch root["Statement"] {
        case .array(let list)?: rawStatements = list
        case .object?: rawStatements = [root["Statement"]!]
        default: throw PolicyError("Statement must be an object or a list of objects.")
        }
        guard !rawStatements.isEmpty else { throw PolicyError("Statement must not be empty.") }
        var statements: [Statement] = []
        for (index, raw) in rawStatements.enumerated() {
            guard case .object(let object) = raw else { throw PolicyError("Statement \(index) is not an object.") }
            statements.append(try Self.statement(object, index: index))
        }
        self.init(version: version, statements: statements)
    }

    private static let statementKeys: Set<String> = [
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition",
    ]

    private static func statement(_ object: [String: JSONValue], index: Int) throws(PolicyError) -> Statement {
        for key in object.keys where !statementKeys.contains(key) {
            throw PolicyError("Statement \(index): unknown element \(key).")
        }
        guard case .string(let effectText)? = object["Effect"], let effect = Effect(rawValue: effectText) else {
            throw PolicyError("Statement \(index): Effect must be Allow or Deny.")
        }
        let actions: PatternSet
        switch (object["Action"], object["NotAction"]) {
        case (let value?, nil): actions = .any(of: try strings(value, "Action", index))
        case (nil, let value?): actions = .noneOf(try strings(value, "NotAction", index))
        default: throw PolicyError("Statement \(index): exactly one of Action and NotAction is required.")
        }
        for action in patterns(actions) where action != "*" && !action.contains(":") {
            throw PolicyError("Statement \(index): action \(action) must look like service:Name.")
        }
        var resources: PatternSet?
        switch (object["Resource"], object["NotResource"]) {
        case (let value?, nil): resources = .any(of: try strings(value, "Resource", index))
        case (nil, let value?): resources = .noneOf(try strings(value, "NotResource", index))
        case (nil, nil): resources = nil
        default: throw PolicyError("Statement \(index): Resource and NotResource cannot both be present.")
        }
        var principals: PrincipalSet?
        if let value = object["Principal"] { principals = try principal(value, index) }
        var conditions: [Condition] = []
        if let raw = object["Condition"] {
            guard case .object(let blocks) = raw else { throw PolicyError("Statement \(index): Condition must be an object.") }
            for (operatorName, body) in blocks {
                guard let op = ConditionOperator(rawValue: operatorName) else {
                    throw PolicyError("Statement \(index): unknown condition operator \(operatorName).")
                }
                guard case .object(let entries) = body, !entries.isEmpty else {
                    throw PolicyError("Statement \(index): \(operatorName) must map keys to values.")
                }
                for (key, values) in entries {
                    let list = try strings(values, operatorName + "." + key, index, allowScalars: true)
                    try op.validate(list, statement: index)
                    conditions.append(Condition(op, key, list))
                }
            }
        }
        var sid: String?
        if case .string(let text)? = object["Sid"] { sid = text }
        return Statement(sid: sid, effect: effect, actions: actions, resources: resources, principals: principals,
                         conditions: conditions.sorted { ($0.op.rawValue, $0.key) < ($1.op.rawValue, $1.key) })
    }

    private static func patterns(_ set: PatternSet) -> [String] {
        switch set {
        case .any(let list), .noneOf(let list): return list
        }
    }

    /// A string or a non-empty list of strings (numbers and booleans too, for condition values).
    private static func strings(_ value: JSONValue, _ element: String, _ index: Int, allowScalars: Bool = false)
        throws(PolicyError) -> [String]
    {
        func scalar(_ item: JSONValue) -> String? {
            switch item {
            case .string(let text): return text
            case .number(let text) where allowScalars: return text
            case .bool(let flag) where allowScalars: return flag ? "true" : "false"
            default: return nil
            }
        }
        if let single = scalar(value) { return [single] }
        guard case .array(let list) = value, !list.isEmpty else {
            throw PolicyError("Statement \(index): \(element) must be a string or a non-empty list of strings.")
        }
        var result: [String] = []
        for item in list {
            guard let text = scalar(item) else { throw PolicyError("Statement \(index): \(element) must hold strings.") }
            result.append(text)
        }
        return result
    }

    private static func principal(_ value: JSONValue, _ index: Int) throws(PolicyError) -> PrincipalSet {
        switch value {
        case .string(let text): return text == "*" ? .anyone : .ids([text])
        case .array:
            let ids = try strings(value, "Principal", index)
            return ids.contains("*") ? .anyone : .ids(ids)
        case .object(let typed):
            var result: [String: [String]] = [:]
            for (type, ids) in typed { result[type] = try strings(ids, "Principal." + type, index) }
            return .typed(result)
        default:
            throw PolicyError("Statement \(index): Principal must be *, a list of ids or an object of typed lists.")
        }
    }
}

extension Policy {
    /// Whether any statement has a condition on a key starting with `prefix` (lower-cased, as keys are stored).
    public func hasCondition(withKeyPrefix prefix: String) -> Bool {
        statements.contains { statement in statement.conditions.contains { $0.key.hasPrefix(prefix) } }
    }
}
