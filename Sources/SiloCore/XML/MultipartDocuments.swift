import Foundation

/// Multipart upload documents (spec §8).

public struct MultipartUploadSummary: Sendable, Hashable {
    public var key: String
    public var uploadId: String
    public var initiated: Int64

    public init(key: String, uploadId: String, initiated: Int64) {
        self.key = key
        self.uploadId = uploadId
        self.initiated = initiated
    }
}

public struct ListMultipartUploadsResult: XMLRenderable {
    public var bucket: String
    public var prefix: String
    public var delimiter: String
    public var keyMarker: String
    public var uploadIdMarker: String
    public var maxUploads: Int
    public var encoding: EncodingType?
    public var uploads: [MultipartUploadSummary]
    public var commonPrefixes: [String]
    /// Always present (possibly empty): oss2 reads both unconditionally.
    public var nextKeyMarker: String
    public var nextUploadIdMarker: String
    public var isTruncated: Bool

    public init(bucket: String, prefix: String, delimiter: String, keyMarker: String, uploadIdMarker: String,
                maxUploads: Int, encoding: EncodingType?, uploads: [MultipartUploadSummary], commonPrefixes: [String],
                nextKeyMarker: String, nextUploadIdMarker: String, isTruncated: Bool) {
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.keyMarker = keyMarker
        self.uploadIdMarker = uploadIdMarker
        self.maxUploads = maxUploads
        self.encoding = encoding
        self.uploads = uploads
        self.commonPrefixes = commonPrefixes
        self.nextKeyMarker = nextKeyMarker
        self.nextUploadIdMarker = nextUploadIdMarker
        self.isTruncated = isTruncated
    }

    public func render(into w: XMLWriter) {
        w.element("ListMultipartUploadsResult") {
            w.optional("EncodingType", encoding?.rawValue)
            w.element("Bucket", bucket)
            w.element("KeyMarker", EncodingType.apply(encoding, keyMarker))
            w.element("UploadIdMarker", uploadIdMarker)
            w.element("NextKeyMarker", EncodingType.apply(encoding, nextKeyMarker))
            w.element("NextUploadIdMarker", nextUploadIdMarker)
            w.element("Delimiter", EncodingType.apply(encoding, delimiter))
            w.element("Prefix", EncodingType.apply(encoding, prefix))
            w.element("MaxUploads", maxUploads)
            w.element("IsTruncated", isTruncated)
            for upload in uploads {
                w.element("Upload") {
                    w.element("Key", EncodingType.apply(encoding, upload.key))
                    w.element("UploadId", upload.uploadId)
                    w.element("Initiated", iso8601: upload.initiated)
                }
            }
            for prefix in commonPrefixes {
                w.element("CommonPrefixes") { w.element("Prefix", EncodingType.apply(encoding, prefix)) }
            }
        }
    }
}

public struct InitiateMultipartUploadResult: XMLRenderable {
    public var bucket: String
    public var key: String
    public var uploadId: String
    public var encoding: EncodingType?

    public init(bucket: String, key: String, uploadId: String, encoding: EncodingType?) {
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
        self.encoding = encoding
    }

    public func render(into w: XMLWriter) {
        w.element("InitiateMultipartUploadResult") {
            w.optional("EncodingType", encoding?.rawValue)
            w.element("Bucket", bucket)
            w.element("Key", EncodingType.apply(encoding, key))
            w.element("UploadId", uploadId)
        }
    }
}

/// The `<CompleteMultipartUpload>` request body: the parts to join, as the client lists them.
public struct CompleteMultipartUploadRequest: Decodable, Sendable {
    public struct Part: Decodable, Sendable, Hashable {
        public var partNumber: Int
        public var etag: String

        enum CodingKeys: String, CodingKey {
            case partNumber = "PartNumber"
            case etag = "ETag"
        }

        public init(partNumber: Int, etag: String) {
            self.partNumber = partNumber
            self.etag = etag
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let text = try container.decode(String.self, forKey: .partNumber)
            guard let number = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw DecodingError.dataCorruptedError(forKey: .partNumber, in: container, debugDescription: "not an integer")
            }
            partNumber = number
            etag = try container.decode(String.self, forKey: .etag).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    public var parts: [Part]

    enum CodingKeys: String, CodingKey { case parts = "Part" }

    public init(parts: [Part]) { self.parts = parts }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parts = try container.decodeIfPresent([Part].self, forKey: .parts) ?? []
    }
}

public struct CompleteMultipartUploadResult: XMLRenderable {
    public var location: String
    public var bucket: String
    public var key: String
    public var etag: String
    public var encoding: EncodingType?

    public init(location: String, bucket: String, key: String, etag: String, encoding: EncodingType?) {
        self.location = location
        self.bucket = bucket
        self.key = key
        self.etag = etag
        self.encoding = encoding
    }

    public func render(into w: XMLWriter) {
        w.element("CompleteMultipartUploadResult") {
            w.optional("EncodingType", encoding?.rawValue)
            w.element("Location", location)
            w.element("Bucket", bucket)
            w.element("Key", EncodingType.apply(encoding, key))
            w.element("ETag", quoted: etag)
        }
    }
}

public struct PartSummary: Sendable, Hashable {
    public var partNumber: Int
    public var lastModified: Int64
    /// Upper-case hex MD5, unquoted.
    public var etag: String
    public var crc64: UInt64
    public var size: Int64

    public init(partNumber: Int, lastModified: Int64, etag: String, crc64: UInt64, size: Int64) {
        self.partNumber = partNumber
        self.lastModified = lastModified
        self.etag = etag
        self.crc64 = crc64
        self.size = size
    }
}

public struct ListPartsResult: XMLRenderable {
    public var bucket: String
    public var key: String
    public var uploadId: String
    public var partNumberMarker: Int
    public var maxParts: Int
    public var isTruncated: Bool
    public var parts: [PartSummary]
    public var encoding: EncodingType?

    public init(bucket: String, key: String, uploadId: String, partNumberMarker: Int, maxParts: Int, isTruncated: Bool,
                parts: [PartSummary], encoding: EncodingType?) {
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
        self.partNumberMarker = partNumberMarker
        self.maxParts = maxParts
        self.isTruncated = isTruncated
        self.parts = parts
        self.encoding = encoding
    }

    /// Always present: oss2 reads it unconditionally. The last listed part, or the marker when none is.
    public var nextPartNumberMarker: Int { parts.last?.partNumber ?? partNumberMarker }

    public func render(into w: XMLWriter) {
        w.element("ListPartsResult") {
            w.optional("EncodingType", encoding?.rawValue)
            w.element("Bucket", bucket)
            w.element("Key", EncodingType.apply(encoding, key))
            w.element("UploadId", uploadId)
            w.element("PartNumberMarker", partNumberMarker)
            w.element("NextPartNumberMarker", nextPartNumberMarker)
            w.element("MaxParts", maxParts)
            w.element("IsTruncated", isTruncated)
            for part in parts {
                w.element("Part") {
                    w.element("PartNumber", part.partNumber)
                    w.element("LastModified", iso8601: part.lastModified)
                    w.element("ETag", quoted: part.etag)
                    w.element("HashCrc64ecma", String(part.crc64))
                    w.element("Size", part.size)
                }
            }
        }
    }
}
