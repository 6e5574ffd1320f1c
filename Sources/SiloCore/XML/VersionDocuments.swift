/// Versioning documents: PutBucketVersioning / GetBucketVersioning and ListObjectVersions (`?versions`).

/// `<VersioningConfiguration>`: `Status` is `Enabled` or `Suspended`; a bucket that never had versioning
/// answers without one.
public struct VersioningConfiguration: Decodable, XMLRenderable, Sendable {
    public static let statuses = ["Enabled", "Suspended"]
    public static let maxBodyBytes = 4 * 1024
    public var status: String?

    public init(status: String?) { self.status = status }

    enum CodingKeys: String, CodingKey { case status = "Status" }

    public func render(into w: XMLWriter) {
        w.element("VersioningConfiguration") { w.optional("Status", status) }
    }
}

/// One entry of a version listing: an object version or a delete marker.
public struct VersionSummary: Sendable, Hashable {
    public var key: String
    public var versionId: String
    public var isLatest: Bool
    public var lastModified: Int64
    /// Nil for a delete marker.
    public var object: ObjectSummary?

    public init(key: String, versionId: String, isLatest: Bool, lastModified: Int64, object: ObjectSummary?) {
        self.key = key
        self.versionId = versionId
        self.isLatest = isLatest
        self.lastModified = lastModified
        self.object = object
    }

    /// `owner`: the listing's `<Owner>` element, rendered once for all its entries.
    func render(into w: XMLWriter, encoding: EncodingType?, owner: [UInt8]) {
        w.element(object == nil ? "DeleteMarker" : "Version") {
            w.element("Key", EncodingType.apply(encoding, key))
            w.element("VersionId", versionId)
            w.element("IsLatest", isLatest)
            w.element("LastModified", iso8601: lastModified)
            if let object {
                w.element("ETag", quoted: object.etag)
                w.element("Type", object.type.rawValue)
                w.element("Size", object.size)
                w.element("StorageClass", object.storageClass.rawValue)
            }
            w.append(fragment: owner)
        }
    }
}

/// `<ListVersionsResult>`; entries and common prefixes in listing order.
public struct ListVersionsResult: XMLRenderable {
    public enum Entry: Sendable {
        case version(VersionSummary)
        case commonPrefix(String)
    }

    public var bucket: String
    public var prefix: String
    public var keyMarker: String
    public var versionIdMarker: String
    public var maxKeys: Int
    public var delimiter: String
    public var encoding: EncodingType?
    public var entries: [Entry]
    public var isTruncated: Bool
    public var nextKeyMarker: String?
    public var nextVersionIdMarker: String?
    public var owner: Owner

    public init(bucket: String, prefix: String, keyMarker: String, versionIdMarker: String, maxKeys: Int,
                delimiter: String, encoding: EncodingType?, entries: [Entry], isTruncated: Bool, nextKeyMarker: String?,
                nextVersionIdMarker: String?, owner: Owner) {
        self.bucket = bucket
        self.prefix = prefix
        self.keyMarker = keyMarker
        self.versionIdMarker = versionIdMarker
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.encoding = encoding
        self.entries = entries
        self.isTruncated = isTruncated
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionIdMarker = nextVersionIdMarker
        self.owner = owner
    }

    public func render(into w: XMLWriter) {
        w.element("ListVersionsResult") {
            w.element("Name", bucket)
            w.element("Prefix", EncodingType.apply(encoding, prefix))
            w.element("KeyMarker", EncodingType.apply(encoding, keyMarker))
            w.element("VersionIdMarker", versionIdMarker)
            w.element("MaxKeys", maxKeys)
            w.element("Delimiter", EncodingType.apply(encoding, delimiter))
            w.optional("EncodingType", encoding?.rawValue)
            w.element("IsTruncated", isTruncated)
            if isTruncated {
                w.optional("NextKeyMarker", nextKeyMarker.map { EncodingType.apply(encoding, $0) })
                w.optional("NextVersionIdMarker", nextVersionIdMarker)
            }
            // As for object listings: the document sized once and the owner rendered once, not per entry.
            w.reserve(entries.count * 400)
            let ownerBytes = owner.fragment
            for entry in entries {
                if case .version(let version) = entry { version.render(into: w, encoding: encoding, owner: ownerBytes) }
            }
            for entry in entries {
                if case .commonPrefix(let prefix) = entry {
                    w.element("CommonPrefixes") { w.element("Prefix", EncodingType.apply(encoding, prefix)) }
                }
            }
        }
    }
}
