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

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = XMLBody.restoreControlCharacters(try container.decode(String.self, forKey: .key))
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
    /// Decodes a request body whose root element must be `root`. The document's shape is bounded by `limits`
    /// (its byte count is bounded by the caller, who read it) before the parser sees it.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, root: String,
                                            maxElements: Int = 4096) throws(OSSError) -> T {
        do {
            try XMLShape.check(bytes, limits: .request(maxBytes: bytes.count, maxElements: maxElements))
        } catch {
            throw .malformedXML
        }
        let data = protectControlCharacters(Data(bytes))
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

    // Clients serialize keys with control characters (oss2 sends `\x0C` raw) and the real service accepts them,
    // but XML 1.0 parsers do not. Before parsing, each such byte becomes a private-use character U+E001...U+E020
    // (an existing U+E000...U+E020 is prefixed with U+E000), and `restoreControlCharacters` maps decoded text back. Tab, LF and CR
    // pass through: they are legal and appear between elements.
    static let escapeScalar: Unicode.Scalar = "\u{E000}"
    static let escapeUTF8: [UInt8] = [0xEE, 0x80, 0x80]

    static func protectControlCharacters(_ data: Data) -> Data {
        let needsWork = data.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        guard needsWork else { return data }
        var out = [UInt8]()
        out.reserveCapacity(data.count + 16)
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                out.append(contentsOf: String(Unicode.Scalar(0xE001 + UInt32(byte))!).utf8)
            } else if byte == 0xEE, index + 2 < data.endIndex, data[index + 1] == 0x80, (0x80...0xA0).contains(data[index + 2]) {
                // A literal U+E000...U+E020 is prefixed with the escape so it is not mistaken for one.
                out.append(contentsOf: escapeUTF8)
                out.append(contentsOf: data[index...(index + 2)])
                index += 3
                continue
            } else {
                out.append(byte)
            }
            index += 1
        }
        return Data(out)
    }

    /// Reverses `protectControlCharacters` in decoded text.
    public static func restoreControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0xE000...0xE020).contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        var iterator = text.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == escapeScalar else {
                if (0xE001...0xE020).contains(scalar.value) {
                    scalars.append(Unicode.Scalar(scalar.value - 0xE001)!)
                } else {
                    scalars.append(scalar)
                }
                continue
            }
            // The escape makes the next scalar literal.
            if let literal = iterator.next() { scalars.append(literal) }
        }
        return String(scalars)
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
