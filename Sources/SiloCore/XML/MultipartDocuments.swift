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
                    w.element("Initiated", Timestamps.iso8601(unixSeconds: upload.initiated))
                }
            }
            for prefix in commonPrefixes {
                w.element("CommonPrefixes") { w.element("Prefix", EncodingType.apply(encoding, prefix)) }
            }
        }
    }
}
