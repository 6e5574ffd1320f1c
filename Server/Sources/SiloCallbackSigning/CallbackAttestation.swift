import Foundation

/// What storage itself knows about the upload a callback announces, signed by storage.
///
/// An OSS callback's signature covers the request line and the body, but the body is the uploader's template:
/// it proves storage sent it, not that what it says is true. An uploader can write a template naming another
/// user's object. Silo therefore also sends these facts, which no template can change, in two extra headers
/// (`x-silo-callback-facts` and its signature) that receivers written for OSS simply ignore.
public struct CallbackFacts: Codable, Sendable, Hashable {
    public struct Uploader: Codable, Sendable, Hashable {
        /// `root`, `user`, `role-session` or `anonymous`.
        public var kind: String
        /// The principal's ARN (`acs:ram::<account>:assumed-role/<role>/<session>`), absent for anonymous.
        public var arn: String?
        public var accessKeyId: String?
        /// For role sessions: the role's ARN and the session name AssumeRole was given.
        public var roleArn: String?
        public var sessionName: String?

        public init(kind: String, arn: String? = nil, accessKeyId: String? = nil, roleArn: String? = nil,
                    sessionName: String? = nil) {
            self.kind = kind
            self.arn = arn
            self.accessKeyId = accessKeyId
            self.roleArn = roleArn
            self.sessionName = sessionName
        }
    }

    public struct Image: Codable, Sendable, Hashable {
        public var width: Int
        public var height: Int
        public var format: String

        public init(width: Int, height: Int, format: String) {
            self.width = width
            self.height = height
            self.format = format
        }
    }

    public var version: Int
    public var bucket: String
    public var object: String
    public var etag: String
    public var size: Int64
    public var contentType: String
    public var crc64: String
    /// `PutObject`, `PostObject` or `CompleteMultipartUpload`.
    public var operation: String
    public var requestId: String
    /// Unix seconds when storage sent the callback; receivers refuse old ones.
    public var issuedAt: Int64
    public var uploader: Uploader
    public var image: Image?

    public init(bucket: String, object: String, etag: String, size: Int64, contentType: String, crc64: String,
                operation: String, requestId: String, issuedAt: Int64, uploader: Uploader, image: Image?) {
        self.version = 1
        self.bucket = bucket
        self.object = object
        self.etag = etag
        self.size = size
        self.contentType = contentType
        self.crc64 = crc64
        self.operation = operation
        self.requestId = requestId
        self.issuedAt = issuedAt
        self.uploader = uploader
        self.image = image
    }
}

/// Signs and verifies `CallbackFacts`, binding them to the exact callback request they travel with.
///
/// `x-silo-callback-facts` is the base64 of the facts' JSON. `x-silo-callback-facts-signature` is RSA
/// PKCS#1 v1.5 with SHA-256, by storage's callback key, over
/// `"silo-callback-facts/1\n" + <facts header> + "\n" + <the OSS string to sign: path?query\nbody>`,
/// so facts cannot be replayed with another callback's body or URL.
public enum CallbackAttestation {
    public static let factsHeader = "x-silo-callback-facts"
    public static let signatureHeader = "x-silo-callback-facts-signature"
    /// Facts are a few hundred bytes; anything longer is refused before decoding.
    public static let maxEncodedBytes = 8 * 1024

    static func message(encodedFacts: String, callbackStringToSign: String) -> String {
        "silo-callback-facts/1\n" + encodedFacts + "\n" + callbackStringToSign
    }

    /// The two header values for `facts` sent with a callback whose OSS string to sign is `stringToSign`.
    public static func headers(for facts: CallbackFacts, stringToSign: String, signer: CallbackSigner) throws
        -> (facts: String, signature: String)
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encoded = try encoder.encode(facts).base64EncodedString()
        let signature = try signer.sign(message(encodedFacts: encoded, callbackStringToSign: stringToSign),
                                        digest: .sha256)
        return (encoded, signature)
    }

    public enum Failure: Error, Sendable, Hashable {
        case malformed
        case badSignature
    }

    /// The facts, once their signature verifies against `publicKeyPEM` for this request.
    public static func verify(facts encoded: String, signature: String, stringToSign: String, publicKeyPEM: String)
        throws(Failure) -> CallbackFacts
    {
        guard encoded.utf8.count <= maxEncodedBytes, signature.utf8.count <= 2048 else { throw .malformed }
        guard CallbackSignatureVerifier.isValid(
            signature: signature, stringToSign: message(encodedFacts: encoded, callbackStringToSign: stringToSign),
            publicKeyPEM: publicKeyPEM, digest: .sha256)
        else { throw .badSignature }
        guard let data = Data(base64Encoded: encoded),
            let facts = try? JSONDecoder().decode(CallbackFacts.self, from: data), facts.version == 1
        else { throw .malformed }
        return facts
    }
}
