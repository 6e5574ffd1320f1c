import Foundation

/// Object API documents (spec §7).

public struct CopyObjectResult: XMLRenderable {
    public var etag: String
    public var lastModified: Int64
    /// `CopyPartResult` for UploadPartCopy, same shape.
    public var rootName: String

    public init(etag: String, lastModified: Int64, rootName: String = "CopyObjectResult") {
        self.etag = etag
        self.lastModified = lastModified
        self.rootName = rootName
    }

    public func render(into w: XMLWriter) {
        w.element(rootName) {
            w.element("ETag", quoted: etag)
            w.element("LastModified", iso8601: lastModified)
        }
    }
}

/// The `<Delete>` request body of DeleteMultipleObjects.
public struct DeleteRequest: Decodable, Sendable {
    public struct Object: Decodable, Sendable {
        public var key: String
        /// Deletes this version for good instead of the key's current one.
        public var versionId: String?
        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case versionId = "VersionId"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = try container.decode(String.self, forKey: .key)
            versionId = try container.decodeIfPresent(String.self, forKey: .versionId)
        }
    }

    public var quiet: Bool
    public var objects: [Object]

    enum CodingKeys: String, CodingKey {
        case quiet = "Quiet"
        case objects = "Object"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let quietText = try container.decodeIfPresent(String.self, forKey: .quiet) ?? "false"
        quiet = quietText.lowercased() == "true"
        objects = try container.decodeIfPresent([Object].self, forKey: .objects) ?? []
    }
}

public struct DeleteResult: XMLRenderable {
    /// One deleted key: with `versionId` when a version was named; `deleteMarker` when the delete made a marker
    /// (`deleteMarkerVersionId` is its id) or removed one.
    public struct Deleted: Sendable, Hashable {
        public var key: String
        public var versionId: String?
        public var deleteMarker: Bool
        public var deleteMarkerVersionId: String?

        public init(key: String, versionId: String? = nil, deleteMarker: Bool = false, deleteMarkerVersionId: String? = nil) {
            self.key = key
            self.versionId = versionId
            self.deleteMarker = deleteMarker
            self.deleteMarkerVersionId = deleteMarkerVersionId
        }
    }

    public var deleted: [Deleted]
    public var encoding: EncodingType?

    public init(deleted: [Deleted], encoding: EncodingType?) {
        self.deleted = deleted
        self.encoding = encoding
    }

    public func render(into w: XMLWriter) {
        w.element("DeleteResult") {
            w.optional("EncodingType", encoding?.rawValue)
            for entry in deleted {
                w.element("Deleted") {
                    w.element("Key", EncodingType.apply(encoding, entry.key))
                    w.optional("VersionId", entry.versionId)
                    if entry.deleteMarker { w.element("DeleteMarker", true) }
                    w.optional("DeleteMarkerVersionId", entry.deleteMarkerVersionId)
                }
            }
        }
    }
}

/// `<CreateBucketConfiguration>` of PutBucket.
public struct CreateBucketConfiguration: Decodable, Sendable {
    public var storageClass: String?
    public var dataRedundancyType: String?

    enum CodingKeys: String, CodingKey {
        case storageClass = "StorageClass"
        case dataRedundancyType = "DataRedundancyType"
    }
}

/// Decodes a request body, mapping any parse failure to `MalformedXML`.
public enum XMLBody {
    /// Decodes a request body whose root element must be `root`, within the bounds of a request document (its
    /// byte count is bounded by the caller, who read it).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, root: String,
                                            maxElements: Int = 4096) throws(OSSError) -> T {
        let document: XMLElement
        do {
            document = try XMLTree.parse(bytes, limits: .request(maxBytes: bytes.count, maxElements: maxElements))
        } catch {
            throw .malformedXML
        }
        guard document.name == root else { throw .malformedXML }
        do {
            return try T(from: XMLTreeDecoder([document]))
        } catch {
            throw .malformedXML
        }
    }
}
