import Crypto
import Foundation

/// The policy of a PostObject form upload (spec §12.2): when it expires and which conditions the form fields
/// and the file must meet. The app server builds and signs one; the storage side parses and enforces it.
public struct PostPolicy: Sendable, Hashable {
    public enum Condition: Sendable, Hashable {
        /// `{"field": "value"}` or `["eq", "$field", "value"]`.
        case equals(field: String, value: String)
        /// `["starts-with", "$field", "prefix"]`; an empty prefix allows any value.
        case startsWith(field: String, prefix: String)
        /// `["content-length-range", min, max]` on the file's size.
        case contentLengthRange(min: Int64, max: Int64)
        case oneOf(field: String, values: [String])
        case noneOf(field: String, values: [String])
    }

    /// Unix seconds.
    public var expiration: Int64
    public var conditions: [Condition]

    public init(expiration: Int64, conditions: [Condition]) {
        self.expiration = expiration
        self.conditions = conditions
    }

    static func invalid(_ message: String) -> OSSError {
        OSSError(status: 400, code: "InvalidPolicyDocument", message: message)
    }

    /// Parses the base64 `policy` form field.
    public init(base64 encoded: String) throws(OSSError) {
        guard let data = Data(base64Encoded: encoded) else { throw Self.invalid("The policy is not base64.") }
        try self.init(json: data)
    }

    public init(json data: Data) throws(OSSError) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Self.invalid("The policy is not a JSON object.")
        }
        guard let expirationText = object["expiration"] as? String, let expiration = Timestamps.parseISO8601(expirationText)
        else { throw Self.invalid("The policy needs an ISO 8601 expiration.") }
        guard let rawConditions = object["conditions"] as? [Any] else { throw Self.invalid("The policy needs conditions.") }
        var conditions: [Condition] = []
        for raw in rawConditions {
            if let pairs = raw as? [String: Any] {
                for (field, value) in pairs {
                    guard let text = value as? String else { throw Self.invalid("Condition \(field) must be a string.") }
                    conditions.append(.equals(field: field.lowercased(), value: text))
                }
            } else if let list = raw as? [Any], let op = (list.first as? String)?.lowercased() {
                conditions.append(try Self.condition(op, Array(list.dropFirst())))
            } else {
                throw Self.invalid("Unrecognised policy condition.")
            }
        }
        self.init(expiration: expiration, conditions: conditions)
    }

    private static func condition(_ op: String, _ arguments: [Any]) throws(OSSError) -> Condition {
        func field(_ value: Any?) throws(OSSError) -> String {
            guard let text = value as? String, text.hasPrefix("$") else { throw invalid("Condition \(op) needs a $field.") }
            return String(text.dropFirst()).lowercased()
        }
        func integer(_ value: Any?) throws(OSSError) -> Int64 {
            if let number = value as? NSNumber { return number.int64Value }
            if let text = value as? String, let number = Int64(text) { return number }
            throw invalid("content-length-range needs two integers.")
        }
        switch op {
        case "eq", "starts-with":
            guard arguments.count == 2, let value = arguments[1] as? String else { throw invalid("Condition \(op) needs a value.") }
            let name = try field(arguments[0])
            return op == "eq" ? .equals(field: name, value: value) : .startsWith(field: name, prefix: value)
        case "content-length-range":
            guard arguments.count == 2 else { throw invalid("content-length-range needs two integers.") }
            let low = try integer(arguments[0]), high = try integer(arguments[1])
            guard low >= 0, low <= high else { throw invalid("content-length-range is empty.") }
            return .contentLengthRange(min: low, max: high)
        case "in", "not-in":
            guard arguments.count == 2, let values = arguments[1] as? [String] else { throw invalid("Condition \(op) needs a list.") }
            let name = try field(arguments[0])
            return op == "in" ? .oneOf(field: name, values: values) : .noneOf(field: name, values: values)
        default:
            throw invalid("Unknown policy condition \(op).")
        }
    }

    /// Checks the form against the policy. `fields` are the form fields (names any case) plus `bucket`;
    /// `contentLength` is the file's size when known.
    public func check(fields: [String: String], contentLength: Int64?, now: Int64) throws(OSSError) {
        guard now <= expiration else { throw OSSError.accessDenied("Invalid according to Policy: Policy expired.") }
        var lowered: [String: String] = [:]
        for (name, value) in fields { lowered[name.lowercased()] = value }
        func failed(_ description: String) -> OSSError {
            OSSError.accessDenied("Invalid according to Policy: Policy Condition failed: \(description)")
        }
        for condition in conditions {
            switch condition {
            case .equals(let field, let value):
                guard lowered[field] == value else { throw failed(#"["eq", "$\#(field)", "\#(value)"]"#) }
            case .startsWith(let field, let prefix):
                guard let actual = lowered[field] ?? (prefix.isEmpty ? "" : nil), actual.hasPrefix(prefix) else {
                    throw failed(#"["starts-with", "$\#(field)", "\#(prefix)"]"#)
                }
            case .contentLengthRange(let low, let high):
                guard let contentLength else { continue }
                if contentLength < low { throw OSSError.entityTooSmall }
                if contentLength > high { throw OSSError.entityTooLarge }
            case .oneOf(let field, let values):
                guard let actual = lowered[field], values.contains(actual) else { throw failed(#"["in", "$\#(field)"]"#) }
            case .noneOf(let field, let values):
                if let actual = lowered[field], values.contains(actual) { throw failed(#"["not-in", "$\#(field)"]"#) }
            }
        }
    }

    /// The policy as the JSON an app server hands out, and its base64 (the form's `policy` field).
    public var json: Data {
        var conditions: [Any] = []
        for condition in self.conditions {
            switch condition {
            case .equals(let field, let value): conditions.append([field: value])
            case .startsWith(let field, let prefix): conditions.append(["starts-with", "$" + field, prefix])
            case .contentLengthRange(let low, let high): conditions.append(["content-length-range", low, high])
            case .oneOf(let field, let values): conditions.append(["in", "$" + field, values])
            case .noneOf(let field, let values): conditions.append(["not-in", "$" + field, values])
            }
        }
        let object: [String: Any] = ["expiration": Timestamps.iso8601(unixSeconds: expiration), "conditions": conditions]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    public var base64: String { json.base64EncodedString() }

    /// V1: `Base64(HMAC-SHA1(secret, policy))` over the base64 policy exactly as sent.
    public static func signatureV1(policy: String, secret: String) -> String {
        SignatureV1.signature(stringToSign: policy, secret: secret)
    }

    /// V4: `Hex(HMAC-SHA256(signingKey(secret, scope), policy))`.
    public static func signatureV4(policy: String, secret: String, scope: SignatureV4.Scope) -> String {
        SignatureV4.signature(stringToSign: policy, secret: secret, scope: scope)
    }

    /// V4 with the signing key already derived (a verifier keeps them per secret and day).
    public static func signatureV4(policy: String, signingKey: SymmetricKey) -> String {
        SignatureV4.signature(stringToSign: policy, signingKey: signingKey)
    }
}
