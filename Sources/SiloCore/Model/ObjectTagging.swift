/// One tag of an object or a bucket. Keys and values are case-sensitive and kept exactly as given.
public struct ResourceTag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// An object's tag set and OSS's rules for it: at most 10 tags, unique keys of 1–128 characters, values of
/// 0–256, each made of letters, digits, spaces and `+ - = . _ : /`. Order is kept as given.
public struct ObjectTagSet: Sendable, Hashable {
    public static let maxTags = 10
    public static let maxKeyLength = 128
    public static let maxValueLength = 256
    /// `x-oss-tagging` is a header, so it is bounded like one before it is split.
    public static let maxHeaderBytes = 8 * 1024

    public var tags: [ResourceTag]

    public init(_ tags: [ResourceTag] = []) {
        self.tags = tags
    }

    public var isEmpty: Bool { tags.isEmpty }
    public var count: Int { tags.count }

    /// A tag set from OSS's rules or the error OSS answers for the first rule broken.
    public static func validated(_ tags: [ResourceTag]) throws(OSSError) -> ObjectTagSet {
        guard tags.count <= maxTags else {
            throw .invalidTag("Object tags cannot be greater than \(maxTags).", ec: "0010-00000217")
        }
        var seen = Set<String>()
        for tag in tags {
            guard !tag.key.isEmpty else { throw .invalidTag("The TagKey you have provided is invalid.", ec: "0010-00000217") }
            guard tag.key.unicodeScalars.count <= maxKeyLength else {
                throw .invalidTag("The TagKey you have provided is too long, max length is \(maxKeyLength).", ec: "0010-00000209")
            }
            guard tag.value.unicodeScalars.count <= maxValueLength else {
                throw .invalidTag("The TagValue you have provided is too long, max length is \(maxValueLength).",
                                  ec: "0010-00000214")
            }
            guard isAllowed(tag.key) else { throw .invalidTag("The TagKey you have provided is invalid.", ec: "0010-00000217") }
            guard isAllowed(tag.value) else {
                throw .invalidTag("The TagValue you have provided is invalid.", ec: "0010-00000217")
            }
            guard seen.insert(tag.key).inserted else {
                throw .invalidTag("Cannot provide multiple Tags with the same key.", ec: "0010-00000217")
            }
        }
        return ObjectTagSet(tags)
    }

    static func isAllowed(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case " ", "+", "-", "=", ".", "_", ":", "/": return true
            default: return scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
            }
        }
    }

    /// `x-oss-tagging`: `k1=v1&k2=v2`, keys and values percent-encoded, a bare `k` meaning an empty value.
    public static func parseHeader(_ header: String) throws(OSSError) -> ObjectTagSet {
        guard header.utf8.count <= maxHeaderBytes else {
            throw .invalidTag("The x-oss-tagging header is too long.", ec: "0010-00000219")
        }
        guard !header.isEmpty else { return ObjectTagSet() }
        var tags: [ResourceTag] = []
        for pair in header.split(separator: "&", omittingEmptySubsequences: false) {
            // Counted before the rest is decoded, so a header of thousands of pairs costs nothing more.
            guard tags.count < maxTags else {
                throw .invalidTag("Object tags cannot be greater than \(maxTags).", ec: "0010-00000217")
            }
            let fields = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard fields.count <= 2, let key = PercentEncoding.decode(fields[0]),
                  let value = fields.count == 2 ? PercentEncoding.decode(fields[1]) : ""
            else {
                throw .invalidTag("The x-oss-tagging header must be key or key=value pairs joined by &.", ec: "0010-00000219")
            }
            tags.append(ResourceTag(key, value))
        }
        return try validated(tags)
    }

    /// The header form, as `x-oss-tagging` takes it.
    public var headerValue: String {
        tags.map { PercentEncoding.encode($0.key) + "=" + PercentEncoding.encode($0.value) }.joined(separator: "&")
    }
}

/// A bucket's tags and OSS's rules for them, which differ from objects': at most 20 tags, unique keys of 1–64
/// bytes and values of 0–128 bytes of any UTF-8, neither starting with `http://` or `https://`, keys not with
/// `Aliyun` either.
public struct BucketTagSet {
    public static let maxTags = 20
    public static let maxKeyBytes = 64
    public static let maxValueBytes = 128

    public static func validated(_ tags: [ResourceTag]) throws(OSSError) -> [ResourceTag] {
        guard tags.count <= maxTags else {
            throw .invalidTag("Bucket tags cannot be greater than \(maxTags).", ec: "0010-00000219")
        }
        var seen = Set<String>()
        for tag in tags {
            guard !tag.key.isEmpty, tag.key.utf8.count <= maxKeyBytes,
                  !["http://", "https://", "Aliyun"].contains(where: { tag.key.hasPrefix($0) })
            else { throw .invalidTag("The TagKey you have provided is invalid.", ec: "0010-00000219") }
            guard tag.value.utf8.count <= maxValueBytes,
                  !["http://", "https://"].contains(where: { tag.value.hasPrefix($0) })
            else { throw .invalidTag("The TagValue you have provided is invalid.", ec: "0010-00000219") }
            guard !tag.key.contains("\n"), !tag.value.contains("\n") else {
                throw .invalidTag("A tag cannot contain a line break.", ec: "0010-00000219")
            }
            guard seen.insert(tag.key).inserted else {
                throw .invalidTag("Cannot provide multiple Tags with the same key.", ec: "0010-00000219")
            }
        }
        return tags
    }
}

/// The `<Tagging>` document: Put/GetObjectTagging's and Put/GetBucketTags' body and answer.
public struct TaggingDocument: Decodable, Sendable, Hashable, XMLRenderable {
    /// A bucket holds at most 20 tags, an object 10; the bound lets a body of many more be refused before it is
    /// decoded.
    public static let maxElements = 2 + 3 * (BucketTagSet.maxTags + 1)
    public static let maxBodyBytes = 64 * 1024

    public var tags: [ResourceTag]

    public init(_ tags: [ResourceTag]) {
        self.tags = tags
    }

    struct TagSetElement: Decodable {
        var tags: [XMLTagElement]
        enum CodingKeys: String, CodingKey { case tags = "Tag" }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tags = try container.decodeIfPresent([XMLTagElement].self, forKey: .tags) ?? []
        }
    }

    enum CodingKeys: String, CodingKey { case tagSet = "TagSet" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let set = try container.decodeIfPresent(TagSetElement.self, forKey: .tagSet)
        tags = (set?.tags ?? []).map(\.tag)
    }

    public func render(into w: XMLWriter) {
        w.element("Tagging") {
            w.element("TagSet") {
                for tag in tags {
                    w.element("Tag") {
                        w.element("Key", tag.key)
                        w.element("Value", tag.value)
                    }
                }
            }
        }
    }
}

/// `<Tag><Key>…</Key><Value>…</Value></Tag>`, wherever a document carries tags; a missing Value is empty.
struct XMLTagElement: Decodable {
    var key: String
    var value: String

    enum CodingKeys: String, CodingKey {
        case key = "Key"
        case value = "Value"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        value = try container.decodeIfPresent(String.self, forKey: .value) ?? ""
    }

    var tag: ResourceTag { ResourceTag(key, value) }
}

extension OSSError {
    public static func invalidTag(_ message: String, ec: String) -> OSSError {
        OSSError(status: 400, code: "InvalidTag", message: message, ec: ec)
    }
}
