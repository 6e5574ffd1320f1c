/// Server-side encryption (SSE-OSS): the bucket default of PutBucketEncryption / GetBucketEncryption and the
/// `x-oss-server-side-encryption` of writes. Silo encrypts with AES256 itself; KMS and SM4 are not available.
public enum ServerSideEncryption {
    public static let aes256 = "AES256"

    /// The algorithm a request names, if Silo can honour it: AES256. KMS is answered as OSS answers an account
    /// without KMS; SM4 is declined; anything else is not an algorithm.
    public static func validate(_ algorithm: String, field: String) throws(OSSError) -> String {
        switch algorithm {
        case aes256: return aes256
        case "KMS": throw OSSError.kmsUnavailable
        case "SM4": throw OSSError.notImplemented("SM4 server-side encryption is not available on this server; use AES256.")
        default: throw OSSError.invalidEncryptionAlgorithm.with("ArgumentName", field).with("ArgumentValue", algorithm)
        }
    }
}

extension OSSError {
    /// EC 0005-00000218: what OSS answers when KMS is not activated. Silo has no KMS.
    public static let kmsUnavailable = OSSError(
        status: 403, code: "KmsServiceNotEnabled",
        message: "KMS is not available on this server; use SSE-OSS (AES256) server-side encryption.",
        ec: "0005-00000218")
}

/// `<ServerSideEncryptionRule>` of PutBucketEncryption and GetBucketEncryption.
public struct ServerSideEncryptionRule: Decodable, XMLRenderable, Sendable {
    public static let maxBodyBytes = 4 * 1024

    public struct Default: Decodable, Sendable {
        public var algorithm: String?
        public var kmsMasterKeyId: String?
        public var kmsDataEncryption: String?

        enum CodingKeys: String, CodingKey {
            case algorithm = "SSEAlgorithm"
            case kmsMasterKeyId = "KMSMasterKeyID"
            case kmsDataEncryption = "KMSDataEncryption"
        }
    }

    public var applyByDefault: Default?

    enum CodingKeys: String, CodingKey { case applyByDefault = "ApplyServerSideEncryptionByDefault" }

    public init(algorithm: String) {
        applyByDefault = Default(algorithm: algorithm, kmsMasterKeyId: nil, kmsDataEncryption: nil)
    }

    /// The default algorithm the rule sets. A KMS key id belongs to KMS only (EC 0005-00000204); the data
    /// encryption of KMS is ignored for AES256, as OSS does.
    public func algorithm() throws(OSSError) -> String {
        guard let rule = applyByDefault, let algorithm = rule.algorithm else { throw OSSError.malformedXML }
        let chosen = try ServerSideEncryption.validate(algorithm, field: "SSEAlgorithm")
        if let key = rule.kmsMasterKeyId, !key.isEmpty {
            throw OSSError.invalidArgument("KMSMasterKeyID is not applicable if the default sse algorithm is not KMS.",
                                           name: "KMSMasterKeyID", value: key)
        }
        return chosen
    }

    public func render(into w: XMLWriter) {
        w.element("ServerSideEncryptionRule") {
            w.element("ApplyServerSideEncryptionByDefault") {
                w.element("SSEAlgorithm", applyByDefault?.algorithm ?? ServerSideEncryption.aes256)
            }
        }
    }
}
