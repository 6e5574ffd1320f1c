import Foundation

/// An upload callback request (spec §13): where Silo POSTs after storing the object, and what it sends.
/// Codable so a queued upload keeps its callback across app launches (the SDK's transfer manager).
public struct CallbackConfiguration: Sendable, Hashable, Codable {
    public enum BodyType: String, Sendable, Hashable, Codable {
        case form = "application/x-www-form-urlencoded"
        case json = "application/json"
    }

    /// Tried in order until one answers; at most five.
    public var urls: [URL]
    /// The `Host` header to send; nil means the URL's host.
    public var host: String?
    public var bodyTemplate: String
    public var bodyType: BodyType
    public var sni: Bool

    public static let maxEncodedBytes = 5 * 1024

    public init(urls: [URL], host: String? = nil, bodyTemplate: String, bodyType: BodyType = .form, sni: Bool = false) {
        self.urls = urls
        self.host = host
        self.bodyTemplate = bodyTemplate
        self.bodyType = bodyType
        self.sni = sni
    }

    /// Parses the base64 JSON of `x-oss-callback`, the `callback` query parameter or form field.
    public init(base64 encoded: String) throws(OSSError) {
        let object = try Self.decodeObject(encoded, what: "callback")
        guard let urlText = object["callbackUrl"] as? String, !urlText.isEmpty else {
            throw OSSError.invalidArgument("The callbackUrl is empty.", name: "callbackUrl")
        }
        let parts = urlText.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty, parts.count <= 5 else {
            throw OSSError.invalidArgument("The callbackUrl lists more than 5 URLs.", name: "callbackUrl")
        }
        var urls: [URL] = []
        for part in parts {
            guard let url = URL(string: part), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = url.host, !host.isEmpty, url.port.map({ (1...65535).contains($0) }) ?? true
            else { throw OSSError.invalidArgument("The callbackUrl \(part) is not a valid http(s) URL.", name: "callbackUrl") }
            urls.append(url)
        }
        guard let body = object["callbackBody"] as? String, !body.isEmpty else {
            throw OSSError.invalidArgument("The callbackBody is empty.", name: "callbackBody")
        }
        var type = BodyType.form
        if let typeText = object["callbackBodyType"] as? String, !typeText.isEmpty {
            guard let parsed = BodyType(rawValue: typeText.lowercased()) else {
                throw OSSError.invalidArgument("The callbackBodyType \(typeText) is not supported.", name: "callbackBodyType")
            }
            type = parsed
        }
        _ = try CallbackTemplate(body)  // a broken template is refused before the upload
        let host = (object["callbackHost"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let sni = (object["callbackSNI"] as? Bool) ?? ((object["callbackSNI"] as? String)?.lowercased() == "true")
        self.init(urls: urls, host: host, bodyTemplate: body, bodyType: type, sni: sni)
    }

    /// The base64 JSON an uploader sends as `x-oss-callback` (or the `callback` query parameter or form field).
    public var base64: String {
        var object: [String: Any] = [
            "callbackUrl": urls.map(\.absoluteString).joined(separator: ";"), "callbackBody": bodyTemplate,
            "callbackBodyType": bodyType.rawValue,
        ]
        if let host { object["callbackHost"] = host }
        if sni { object["callbackSNI"] = true }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return data.base64EncodedString()
    }

    /// Encodes `x-oss-callback-var`: custom variables, each named `x:<name>`.
    public static func encodeVariables(_ variables: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: variables, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return data.base64EncodedString()
    }

    /// Parses `x-oss-callback-var` / `callback-var`: `{"x:name": "value", …}`; other keys are ignored.
    public static func variables(base64 encoded: String) throws(OSSError) -> [String: String] {
        let object = try decodeObject(encoded, what: "callback-var")
        var variables: [String: String] = [:]
        // Only `x:` names can be referenced from a template; the service ignores other keys (oss2's own test
        // sends the callback configuration itself as callback-var and expects the upload to go through).
        for (name, value) in object where name.hasPrefix("x:") && name.count > 2 {
            guard let text = value as? String else {
                throw OSSError.invalidArgument("The callback variable \(name) is not a string.", name: "callback-var")
            }
            variables[name] = text
        }
        return variables
    }

    private static func decodeObject(_ encoded: String, what: String) throws(OSSError) -> [String: Any] {
        guard encoded.utf8.count <= maxEncodedBytes else {
            throw OSSError.invalidArgument("The \(what) configuration is longer than 5 KB.", name: what)
        }
        guard let data = Data(base64Encoded: encoded) else {
            throw OSSError.invalidArgument("The \(what) configuration is not base64 encoded.", name: what)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw OSSError.invalidArgument("The \(what) configuration is not json format.", name: what)
        }
        return object
    }
}

/// A value a callback body can carry: text, or a number (JSON renders it bare).
public enum CallbackValue: Sendable, Hashable {
    case text(String)
    case number(Int64)
}

/// A parsed `callbackBody`: literal text and `${name}` references.
public struct CallbackTemplate: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case literal(String)
        case variable(String)
    }

    let pieces: [Piece]

    public init(_ template: String) throws(OSSError) {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let start = rest.range(of: "${") {
            if start.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<start.lowerBound]))) }
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw OSSError.invalidArgument("The callbackBody has an unterminated ${.", name: "callbackBody")
            }
            let name = String(rest[start.upperBound..<end])
            guard !name.isEmpty, !name.contains("$"), !name.contains("{") else {
                throw OSSError.invalidArgument("The callbackBody has an invalid variable ${\(name)}.", name: "callbackBody")
            }
            pieces.append(.variable(name))
            rest = rest[rest.index(after: end)...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
    }

    /// Substitutes the variables: URL-encoded for a form body, as JSON values for a JSON body; unknown ones
    /// become empty.
    public func render(_ values: [String: CallbackValue], as type: CallbackConfiguration.BodyType) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                out += text
            case .variable(let name):
                let value = values[name] ?? .text("")
                switch (type, value) {
                case (.form, .text(let text)): out += PercentEncoding.encode(text)
                case (.form, .number(let number)), (.json, .number(let number)): out += String(number)
                case (.json, .text(let text)): out += Self.jsonString(text)
                }
            }
        }
        return out
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// What the callback's RSA signature covers (spec §13.4): the URL-decoded path, the raw query with its `?`,
/// a newline, and the body.
public enum CallbackStringToSign {
    public static func make(path: String, rawQuery: String?, body: String) -> String {
        let decodedPath = PercentEncoding.decode(path) ?? path
        let query = rawQuery.map { $0.isEmpty ? "" : "?" + $0 } ?? ""
        return decodedPath + query + "\n" + body
    }
}
