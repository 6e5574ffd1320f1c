import XMLCoder
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
            w.element("ETag", "\"" + etag + "\"")
            w.element("LastModified", Timestamps.iso8601(unixSeconds: lastModified))
        }
    }
}

/// The `<Delete>` request body of DeleteMultipleObjects.
public struct DeleteRequest: Decodable, Sendable {
    public struct Object: Decodable, Sendable {
        public var key: String
        enum CodingKeys: String, CodingKey { case key = "Key" }
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
    public var deleted: [String]
    public var encoding: EncodingType?

    public init(deleted: [String], encoding: EncodingType?) {
        self.deleted = deleted
        self.encoding = encoding
    }

    public func render(into w: XMLWriter) {
        w.element("DeleteResult") {
            w.optional("EncodingType", encoding?.rawValue)
            for key in deleted {
                w.element("Deleted") { w.element("Key", EncodingType.apply(encoding, key)) }
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
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, root: String) throws(OSSError) -> T {
        let data = Data(bytes)
        guard rootElementName(data) == root else { throw .malformedXML }
        do {
            let decoder = XMLDecoder()
            decoder.shouldProcessNamespaces = true
            decoder.trimValueWhitespaces = false
            return try decoder.decode(T.self, from: data)
        } catch {
            throw .malformedXML
        }
    }

    /// The first element's name, skipping the declaration, comments and whitespace.
    static func rootElementName(_ data: Data) -> String? {
        var index = data.startIndex
        while index < data.endIndex {
            guard let open = data[index...].firstIndex(of: UInt8(ascii: "<")) else { return nil }
            let next = data.index(after: open)
            guard next < data.endIndex else { return nil }
            if data[next] == UInt8(ascii: "?") || data[next] == UInt8(ascii: "!") {
                guard let close = data[next...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
                index = data.index(after: close)
                continue
            }
            let nameEnd = data[next...].firstIndex { byte in
                byte == UInt8(ascii: ">") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "/")
                    || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            } ?? data.endIndex
            var name = String(decoding: data[next..<nameEnd], as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            return name
        }
        return nil
    }
}
