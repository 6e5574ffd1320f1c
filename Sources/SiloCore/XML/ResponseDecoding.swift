import Foundation

/// The client's half of the XML documents: the same types the server renders, decoded from a response body.
/// Keys listed with `encoding-type=url` come back decoded.
public enum XMLResponse {
    /// Decodes a response body, after bounding its shape: a server (or whatever answers in its place) is no
    /// more trusted than a client.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, limits: XMLLimits = .response) throws -> T {
        try T(from: XMLTreeDecoder([try XMLTree.parse(data, limits: limits)]))
    }
}

/// Decoding helpers shared by the documents below.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private extension KeyedDecodingContainer where K == AnyKey {
    func text(_ name: String) throws -> String {
        try decodeIfPresent(String.self, forKey: AnyKey(name)) ?? ""
    }

    func optionalText(_ name: String) throws -> String? {
        try decodeIfPresent(String.self, forKey: AnyKey(name))
    }

    func integer<T: FixedWidthInteger>(_ name: String, as type: T.Type = T.self) throws -> T {
        let raw = try text(name).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = T(raw) else {
            throw DecodingError.dataCorruptedError(forKey: AnyKey(name), in: self, debugDescription: "not an integer: \(raw)")
        }
        return value
    }

    func flag(_ name: String) throws -> Bool { try text(name).lowercased() == "true" }

    func timestamp(_ name: String) throws -> Int64 {
        let raw = try text(name)
        guard let value = Timestamps.parseISO8601(raw) else {
            throw DecodingError.dataCorruptedError(forKey: AnyKey(name), in: self, debugDescription: "not a timestamp: \(raw)")
        }
        return value
    }

    func etag(_ name: String) throws -> String {
        var value = try text(name)
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
        return value
    }

    func encoding() throws -> EncodingType? { try optionalText("EncodingType").flatMap(EncodingType.init(rawValue:)) }

    func list<T: Decodable>(_ name: String, of type: T.Type) throws -> [T] {
        try decodeIfPresent([T].self, forKey: AnyKey(name)) ?? []
    }
}

private extension Optional where Wrapped == EncodingType {
    /// Undoes `EncodingType.apply`.
    func decode(_ value: String) -> String {
        guard self == .url else { return value }
        return PercentEncoding.decode(value) ?? value
    }
}

private struct PrefixEntry: Decodable {
    var prefix: String
    init(from decoder: any Decoder) throws {
        prefix = try decoder.container(keyedBy: AnyKey.self).text("Prefix")
    }
}

extension ObjectSummary: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init(key: try c.text("Key"), lastModified: try c.timestamp("LastModified"), etag: try c.etag("ETag"),
                  type: ObjectType(rawValue: try c.text("Type")) ?? .normal, size: try c.integer("Size"),
                  storageClass: StorageClass(rawValue: try c.text("StorageClass")) ?? .standard)
    }
}

extension ListBucketV2Result: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let encoding = try c.encoding()
        let objects = try c.list("Contents", of: ObjectSummary.self).map { summary -> ObjectSummary in
            var decoded = summary
            decoded.key = encoding.decode(summary.key)
            return decoded
        }
        let prefixes = try c.list("CommonPrefixes", of: PrefixEntry.self).map { encoding.decode($0.prefix) }
        let next = try c.optionalText("NextContinuationToken").map(encoding.decode)
        let truncated = try c.flag("IsTruncated")
        self.init(bucket: try c.text("Name"), prefix: encoding.decode(try c.text("Prefix")),
                  startAfter: try c.optionalText("StartAfter").map(encoding.decode),
                  continuationToken: try c.optionalText("ContinuationToken").map(encoding.decode),
                  nextContinuationToken: truncated ? next : nil, maxKeys: try c.integer("MaxKeys"),
                  delimiter: encoding.decode(try c.text("Delimiter")), encoding: encoding,
                  page: ListingPage(objects: objects, commonPrefixes: prefixes,
                                    nextMarker: truncated ? (objects.last?.key ?? prefixes.last) : nil),
                  owner: nil)
    }
}

extension InitiateMultipartUploadResult: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let encoding = try c.encoding()
        self.init(bucket: try c.text("Bucket"), key: encoding.decode(try c.text("Key")), uploadId: try c.text("UploadId"),
                  encoding: encoding)
    }
}

extension CompleteMultipartUploadResult: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let encoding = try c.encoding()
        self.init(location: try c.text("Location"), bucket: try c.text("Bucket"), key: encoding.decode(try c.text("Key")),
                  etag: try c.etag("ETag"), encoding: encoding)
    }
}

extension PartSummary: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let crc = try c.optionalText("HashCrc64ecma").flatMap { UInt64($0) } ?? 0
        self.init(partNumber: try c.integer("PartNumber"), lastModified: try c.timestamp("LastModified"),
                  etag: try c.etag("ETag"), crc64: crc, size: try c.integer("Size"))
    }
}

extension ListPartsResult: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let encoding = try c.encoding()
        self.init(bucket: try c.text("Bucket"), key: encoding.decode(try c.text("Key")), uploadId: try c.text("UploadId"),
                  partNumberMarker: try c.integer("PartNumberMarker"), maxParts: try c.integer("MaxParts"),
                  isTruncated: try c.flag("IsTruncated"), parts: try c.list("Part", of: PartSummary.self),
                  encoding: encoding)
    }
}

extension CopyObjectResult: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init(etag: try c.etag("ETag"), lastModified: try c.timestamp("LastModified"))
    }
}

extension DeleteResult: Decodable {
    private struct Entry: Decodable {
        var entry: Deleted
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            entry = Deleted(key: try c.text("Key"), versionId: try c.optionalText("VersionId"),
                            deleteMarker: try c.optionalText("DeleteMarker") == "true",
                            deleteMarkerVersionId: try c.optionalText("DeleteMarkerVersionId"))
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let encoding = try c.encoding()
        self.init(deleted: try c.list("Deleted", of: Entry.self).map { entry in
            var decoded = entry.entry
            decoded.key = encoding.decode(decoded.key)
            return decoded
        }, encoding: encoding)
    }
}

extension BucketSummary: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let location = try c.text("Location")
        let region = location.hasPrefix("oss-") ? String(location.dropFirst(4)) : location
        self.init(name: try c.text("Name"), creationDate: try c.timestamp("CreationDate"),
                  storageClass: StorageClass(rawValue: try c.text("StorageClass")) ?? .standard,
                  location: BucketLocation(region: region, extranetEndpoint: try c.text("ExtranetEndpoint"),
                                           intranetEndpoint: try c.text("IntranetEndpoint")))
    }
}

extension ListAllMyBucketsResult: Decodable {
    private struct BucketList: Decodable {
        var buckets: [BucketSummary]
        init(from decoder: any Decoder) throws {
            buckets = try decoder.container(keyedBy: AnyKey.self).list("Bucket", of: BucketSummary.self)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let truncated = try c.flag("IsTruncated")
        let buckets = try c.decodeIfPresent(BucketList.self, forKey: AnyKey("Buckets"))?.buckets ?? []
        let owner = try c.decodeIfPresent(OwnerEntry.self, forKey: AnyKey("Owner"))
        self.init(prefix: try c.text("Prefix"), marker: try c.text("Marker"),
                  maxKeys: (try? c.integer("MaxKeys")) ?? buckets.count,
                  nextMarker: truncated ? try c.optionalText("NextMarker") : nil,
                  owner: Owner(id: owner?.id ?? "", displayName: owner?.displayName ?? ""), buckets: buckets)
    }

    private struct OwnerEntry: Decodable {
        var id: String
        var displayName: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            id = try c.text("ID")
            displayName = try c.text("DisplayName")
        }
    }
}

/// An OSS error response body: `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId>…</Error>`.
public struct ErrorResponse: Decodable, Sendable, Hashable {
    public var code: String
    public var message: String
    public var requestId: String
    public var hostId: String
    public var ec: String?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        code = try c.text("Code")
        message = try c.text("Message")
        requestId = try c.text("RequestId")
        hostId = try c.text("HostId")
        ec = try c.optionalText("EC")
    }
}

extension CompleteMultipartUploadRequest: XMLRenderable {
    public func render(into w: XMLWriter) {
        w.element("CompleteMultipartUpload") {
            for part in parts {
                w.element("Part") {
                    w.element("PartNumber", part.partNumber)
                    w.element("ETag", quoted: part.etag)
                }
            }
        }
    }
}

/// The `<Delete>` body a client sends to DeleteMultipleObjects.
public struct DeleteObjectsBody: XMLRenderable {
    public var keys: [String]
    public var quiet: Bool

    public init(keys: [String], quiet: Bool) {
        self.keys = keys
        self.quiet = quiet
    }

    public func render(into w: XMLWriter) {
        w.element("Delete") {
            w.element("Quiet", quiet)
            for key in keys { w.element("Object") { w.element("Key", key) } }
        }
    }
}

extension MultipartUploadSummary: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init(key: try c.text("Key"), uploadId: try c.text("UploadId"), initiated: try c.timestamp("Initiated"))
    }
}

extension ListMultipartUploadsResult: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let encoding = try c.encoding()
        let uploads = try c.list("Upload", of: MultipartUploadSummary.self).map { upload -> MultipartUploadSummary in
            var decoded = upload
            decoded.key = encoding.decode(upload.key)
            return decoded
        }
        self.init(bucket: try c.text("Bucket"), prefix: encoding.decode(try c.text("Prefix")),
                  delimiter: encoding.decode(try c.text("Delimiter")), keyMarker: encoding.decode(try c.text("KeyMarker")),
                  uploadIdMarker: try c.text("UploadIdMarker"), maxUploads: try c.integer("MaxUploads"),
                  encoding: encoding, uploads: uploads,
                  commonPrefixes: try c.list("CommonPrefixes", of: PrefixEntry.self).map { encoding.decode($0.prefix) },
                  nextKeyMarker: encoding.decode(try c.text("NextKeyMarker")),
                  nextUploadIdMarker: try c.text("NextUploadIdMarker"), isTruncated: try c.flag("IsTruncated"))
    }
}

extension StyleInfo: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init(name: try c.text("Name"), content: try c.text("Content"),
                  createdAt: Timestamps.parseRFC1123(try c.text("CreateTime")) ?? 0,
                  modifiedAt: Timestamps.parseRFC1123(try c.text("LastModifyTime")) ?? 0)
    }
}

extension StyleResult: Decodable {
    public init(from decoder: any Decoder) throws {
        self.init(style: try StyleInfo(from: decoder))
    }
}

extension StyleListResult: Decodable {
    public init(from decoder: any Decoder) throws {
        self.init(styles: try decoder.container(keyedBy: AnyKey.self).list("Style", of: StyleInfo.self))
    }
}
