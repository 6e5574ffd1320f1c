/// Bucket CORS rules (spec §9.10): the configuration document and the matching that preflight
/// and actual requests share.
public struct CORSConfiguration: Decodable, Sendable, Hashable, XMLRenderable {
    public struct Rule: Decodable, Sendable, Hashable {
        public var allowedOrigins: [String]
        public var allowedMethods: [String]
        public var allowedHeaders: [String]
        public var exposeHeaders: [String]
        public var maxAgeSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case allowedOrigins = "AllowedOrigin"
            case allowedMethods = "AllowedMethod"
            case allowedHeaders = "AllowedHeader"
            case exposeHeaders = "ExposeHeader"
            case maxAgeSeconds = "MaxAgeSeconds"
        }

        public init(allowedOrigins: [String], allowedMethods: [String], allowedHeaders: [String] = [],
                    exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil) {
            self.allowedOrigins = allowedOrigins
            self.allowedMethods = allowedMethods
            self.allowedHeaders = allowedHeaders
            self.exposeHeaders = exposeHeaders
            self.maxAgeSeconds = maxAgeSeconds
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            allowedOrigins = try c.decodeIfPresent([String].self, forKey: .allowedOrigins) ?? []
            allowedMethods = try c.decodeIfPresent([String].self, forKey: .allowedMethods) ?? []
            allowedHeaders = try c.decodeIfPresent([String].self, forKey: .allowedHeaders) ?? []
            exposeHeaders = try c.decodeIfPresent([String].self, forKey: .exposeHeaders) ?? []
            maxAgeSeconds = try c.decodeIfPresent(Int.self, forKey: .maxAgeSeconds)
        }

        /// Whether this rule admits the origin, method and every requested header.
        public func matches(origin: String, method: String, requestHeaders: [String]) -> Bool {
            guard allowedOrigins.contains(where: { CORSConfiguration.wildcardMatch($0, origin, caseInsensitive: false) }),
                allowedMethods.contains(method.uppercased())
            else { return false }
            return requestHeaders.allSatisfy { header in
                allowedHeaders.contains { CORSConfiguration.wildcardMatch($0, header, caseInsensitive: true) }
            }
        }
    }

    public var rules: [Rule]
    public var responseVary: Bool

    enum CodingKeys: String, CodingKey {
        case rules = "CORSRule"
        case responseVary = "ResponseVary"
    }

    public init(rules: [Rule], responseVary: Bool = false) {
        self.rules = rules
        self.responseVary = responseVary
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rules = try c.decodeIfPresent([Rule].self, forKey: .rules) ?? []
        let vary = try c.decodeIfPresent(String.self, forKey: .responseVary) ?? "false"
        responseVary = vary.lowercased() == "true"
    }

    static let methods: Set<String> = ["GET", "PUT", "DELETE", "POST", "HEAD"]

    /// Checks the limits OSS enforces: 1–10 rules, known methods, at most one `*` per origin or header.
    public func validate() throws(OSSError) {
        guard (1...10).contains(rules.count) else {
            throw .invalidArgument("CORS rules must number between 1 and 10.", name: "CORSRule")
        }
        for rule in rules {
            guard !rule.allowedOrigins.isEmpty, !rule.allowedMethods.isEmpty else { throw .malformedXML }
            for method in rule.allowedMethods where !Self.methods.contains(method) {
                throw .invalidArgument("Unsupported method is \(method).", name: "AllowedMethod", value: method)
            }
            for pattern in rule.allowedOrigins + rule.allowedHeaders where pattern.filter({ $0 == "*" }).count > 1 {
                throw .invalidArgument("Only one wildcard is allowed.", name: "CORSRule", value: pattern)
            }
            for header in rule.exposeHeaders where header.contains("*") {
                throw .invalidArgument("ExposeHeader does not support wildcards.", name: "ExposeHeader", value: header)
            }
            if let age = rule.maxAgeSeconds, age < 0 {
                throw .invalidArgument("MaxAgeSeconds must not be negative.", name: "MaxAgeSeconds", value: String(age))
            }
        }
    }

    /// The first rule that admits the request (rules are walked in order).
    public func firstMatch(origin: String, method: String, requestHeaders: [String]) -> Rule? {
        rules.first { $0.matches(origin: origin, method: method, requestHeaders: requestHeaders) }
    }

    /// `*` matches any run of characters; at most one wildcard per pattern.
    static func wildcardMatch(_ pattern: String, _ value: String, caseInsensitive: Bool) -> Bool {
        let p = caseInsensitive ? pattern.lowercased() : pattern
        let v = caseInsensitive ? value.lowercased() : value
        guard let star = p.firstIndex(of: "*") else { return p == v }
        let head = p[..<star]
        let tail = p[p.index(after: star)...]
        return v.count >= head.count + tail.count && v.hasPrefix(head) && v.hasSuffix(tail)
    }

    public func render(into w: XMLWriter) {
        w.element("CORSConfiguration") {
            for rule in rules {
                w.element("CORSRule") {
                    for origin in rule.allowedOrigins { w.element("AllowedOrigin", origin) }
                    for method in rule.allowedMethods { w.element("AllowedMethod", method) }
                    for header in rule.allowedHeaders { w.element("AllowedHeader", header) }
                    for header in rule.exposeHeaders { w.element("ExposeHeader", header) }
                    if let age = rule.maxAgeSeconds { w.element("MaxAgeSeconds", age) }
                }
            }
            w.element("ResponseVary", responseVary)
        }
    }
}
