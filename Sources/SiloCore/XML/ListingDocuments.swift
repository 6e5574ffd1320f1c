/// ListObjects (v1 and v2) response documents (spec §9.8, §9.9).

public struct ObjectSummary: Sendable, Hashable {
    public var key: String
    public var lastModified: Int64
    public var etag: String
    public var type: ObjectType
    public var size: Int64
    public var storageClass: StorageClass

    public init(key: String, lastModified: Int64, etag: String, type: ObjectType, size: Int64, storageClass: StorageClass) {
        self.key = key
        self.lastModified = lastModified
        self.etag = etag
        self.type = type
        self.size = size
        self.storageClass = storageClass
    }

    /// `owner`: the page's `<Owner>` element, rendered once for all its entries.
    func render(into w: XMLWriter, encoding: EncodingType?, owner: [UInt8]?) {
        w.element("Contents") {
            w.element("Key", EncodingType.apply(encoding, key))
            w.element("LastModified", iso8601: lastModified)
            w.element("ETag", quoted: etag)
            w.element("Type", type.rawValue)
            w.element("Size", size)
            w.element("StorageClass", storageClass.rawValue)
            if let owner { w.append(fragment: owner) }
        }
    }
}

/// One page of a listing, before it is dressed as v1 or v2.
public struct ListingPage: Sendable {
    public var objects: [ObjectSummary]
    public var commonPrefixes: [String]
    /// The last key or common prefix returned, when more remain.
    public var nextMarker: String?

    public init(objects: [ObjectSummary], commonPrefixes: [String], nextMarker: String?) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.nextMarker = nextMarker
    }

    public var isTruncated: Bool { nextMarker != nil }

    func renderEntries(into w: XMLWriter, encoding: EncodingType?, owner: Owner?) {
        // About 300 bytes an entry with its owner: the document is sized once, not regrown and copied.
        w.reserve(objects.count * 320 + commonPrefixes.count * 64)
        let ownerFragment = owner?.fragment
        for object in objects { object.render(into: w, encoding: encoding, owner: ownerFragment) }
        for prefix in commonPrefixes {
            w.element("CommonPrefixes") { w.element("Prefix", EncodingType.apply(encoding, prefix)) }
        }
    }
}

public struct ListBucketResult: XMLRenderable {
    public var bucket: String
    public var prefix: String
    public var marker: String
    public var maxKeys: Int
    public var delimiter: String
    public var encoding: EncodingType?
    public var page: ListingPage
    public var owner: Owner

    public init(bucket: String, prefix: String, marker: String, maxKeys: Int, delimiter: String,
                encoding: EncodingType?, page: ListingPage, owner: Owner) {
        self.bucket = bucket
        self.prefix = prefix
        self.marker = marker
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.encoding = encoding
        self.page = page
        self.owner = owner
    }

    public func render(into w: XMLWriter) {
        w.element("ListBucketResult") {
            w.element("Name", bucket)
            w.element("Prefix", EncodingType.apply(encoding, prefix))
            w.element("Marker", EncodingType.apply(encoding, marker))
            w.element("MaxKeys", maxKeys)
            w.element("Delimiter", EncodingType.apply(encoding, delimiter))
            w.optional("EncodingType", encoding?.rawValue)
            w.element("IsTruncated", page.isTruncated)
            w.optional("NextMarker", page.nextMarker.map { EncodingType.apply(encoding, $0) })
            page.renderEntries(into: w, encoding: encoding, owner: owner)
        }
    }
}

public struct ListBucketV2Result: XMLRenderable {
    public var bucket: String
    public var prefix: String
    public var startAfter: String?
    public var continuationToken: String?
    public var nextContinuationToken: String?
    public var maxKeys: Int
    public var delimiter: String
    public var encoding: EncodingType?
    public var page: ListingPage
    /// Only with `fetch-owner=true`.
    public var owner: Owner?

    public init(bucket: String, prefix: String, startAfter: String?, continuationToken: String?,
                nextContinuationToken: String?, maxKeys: Int, delimiter: String, encoding: EncodingType?,
                page: ListingPage, owner: Owner?) {
        self.bucket = bucket
        self.prefix = prefix
        self.startAfter = startAfter
        self.continuationToken = continuationToken
        self.nextContinuationToken = nextContinuationToken
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.encoding = encoding
        self.page = page
        self.owner = owner
    }

    public func render(into w: XMLWriter) {
        w.element("ListBucketResult") {
            w.element("Name", bucket)
            w.element("Prefix", EncodingType.apply(encoding, prefix))
            w.optional("StartAfter", startAfter.map { EncodingType.apply(encoding, $0) })
            w.optional("ContinuationToken", continuationToken.map { EncodingType.apply(encoding, $0) })
            w.element("MaxKeys", maxKeys)
            w.element("Delimiter", EncodingType.apply(encoding, delimiter))
            w.optional("EncodingType", encoding?.rawValue)
            w.element("IsTruncated", nextContinuationToken != nil)
            w.optional("NextContinuationToken", nextContinuationToken.map { EncodingType.apply(encoding, $0) })
            w.element("KeyCount", page.objects.count + page.commonPrefixes.count)
            page.renderEntries(into: w, encoding: encoding, owner: owner)
        }
    }
}

/// V2 continuation tokens: the resume key, hex-encoded so `encoding-type=url` leaves them unchanged.
public enum ContinuationToken {
    public static func make(resumeAfter key: String) -> String { Hex.lower(Array(key.utf8)) }

    public static func parse(_ token: String) -> String? {
        guard let bytes = Hex.decode(token) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
