/// A bucket's hotlink protection (PutBucketReferer): which `Referer` headers may read and write its objects
/// through anonymous access or presigned URLs. Header-signed requests are not subject to it, as in OSS.
public struct RefererConfiguration: Decodable, Sendable, Hashable, XMLRenderable {
    public static let maxReferers = 1000
    public static let maxBodyBytes = 256 * 1024
    public static let maxElements = 8 + 2 * maxReferers

    public var allowEmptyReferer: Bool
    /// Match the Referer without its query string (OSS's default).
    public var allowTruncateQueryString: Bool
    /// Match only the Referer's scheme and host (needs `allowTruncateQueryString`).
    public var truncatePath: Bool?
    public var referers: [String]
    public var blacklist: [String]

    /// What a bucket without a configuration answers: every Referer, and none, allowed.
    public static let allowAll = RefererConfiguration(allowEmptyReferer: true, referers: [])

    public init(allowEmptyReferer: Bool, allowTruncateQueryString: Bool = true, truncatePath: Bool? = nil,
                referers: [String], blacklist: [String] = []) {
        self.allowEmptyReferer = allowEmptyReferer
        self.allowTruncateQueryString = allowTruncateQueryString
        self.truncatePath = truncatePath
        self.referers = referers
        self.blacklist = blacklist
    }

    struct RefererList: Decodable {
        var referers: [String]
        enum CodingKeys: String, CodingKey { case referers = "Referer" }
        init(from decoder: any Decoder) throws {
            referers = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([String].self, forKey: .referers) ?? []
        }
    }

    enum CodingKeys: String, CodingKey {
        case allowEmptyReferer = "AllowEmptyReferer"
        case allowTruncateQueryString = "AllowTruncateQueryString"
        case truncatePath = "TruncatePath"
        case referers = "RefererList"
        case blacklist = "RefererBlacklist"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func bool(_ key: CodingKeys) throws -> Bool? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw OSSError.malformedXML
            }
        }
        guard let allowEmpty = try bool(.allowEmptyReferer) else { throw OSSError.malformedXML }
        allowEmptyReferer = allowEmpty
        allowTruncateQueryString = try bool(.allowTruncateQueryString) ?? true
        truncatePath = try bool(.truncatePath)
        referers = try c.decodeIfPresent(RefererList.self, forKey: .referers)?.referers ?? []
        blacklist = try c.decodeIfPresent(RefererList.self, forKey: .blacklist)?.referers ?? []
    }

    public func validate() throws(OSSError) {
        guard referers.count + blacklist.count <= Self.maxReferers else {
            throw .invalidArgument("A referer configuration lists at most \(Self.maxReferers) referers.")
        }
        if truncatePath == true, !allowTruncateQueryString {
            throw .invalidArgument("TruncatePath needs AllowTruncateQueryString.", name: "TruncatePath")
        }
    }

    /// Whether a request with this `Referer` (nil when absent) may proceed: the blacklist refuses first, an empty
    /// Referer needs `allowEmptyReferer`, and a non-empty whitelist must match.
    public func allows(referer: String?) -> Bool {
        guard let referer, !referer.isEmpty else { return allowEmptyReferer }
        let subject = matchedPart(of: referer)
        if blacklist.contains(where: { Self.matches(pattern: $0, subject) }) { return false }
        return referers.isEmpty || referers.contains { Self.matches(pattern: $0, subject) }
    }

    func matchedPart(of referer: String) -> Substring {
        var part = Substring(referer)
        if allowTruncateQueryString, let question = part.firstIndex(of: "?") { part = part[..<question] }
        if truncatePath == true, let scheme = part.range(of: "://"),
           let slash = part[scheme.upperBound...].firstIndex(of: "/") {
            part = part[..<slash]
        }
        return part
    }

    /// `*` for any run of characters, `?` for one; case-insensitive, as host names are.
    static func matches(pattern: String, _ subject: Substring) -> Bool {
        Wildcard.matches(pattern, String(subject), caseInsensitive: true)
    }

    public func render(into w: XMLWriter) {
        w.element("RefererConfiguration") {
            w.element("AllowEmptyReferer", allowEmptyReferer)
            w.element("AllowTruncateQueryString", allowTruncateQueryString)
            if let truncatePath { w.element("TruncatePath", truncatePath) }
            w.element("RefererList") { for referer in referers { w.element("Referer", referer) } }
            if !blacklist.isEmpty {
                w.element("RefererBlacklist") { for referer in blacklist { w.element("Referer", referer) } }
            }
        }
    }
}

extension OSSError {
    public static let deniedByReferer = OSSError(
        status: 403, code: "AccessDenied", message: "You are denied by bucket referer policy.")
}
