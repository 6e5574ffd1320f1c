import Crypto
import Foundation

/// Alibaba Cloud's classic RPC signature (HMAC-SHA1 over the sorted parameters), used by aliyunsdkcore and by
/// Tea clients in `signature_algorithm='v2'` mode (spec §15.3).
public enum RPCSignature {
    /// Every parameter except `Signature` (the first of a repeated name), sorted by name.
    static func signedParameters(_ parameters: [QueryItem]) -> [QueryItem] {
        var seen = Set<String>()
        return parameters
            .filter { $0.name != "Signature" && seen.insert($0.name).inserted }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// `METHOD&%2F&` and the canonicalized query (the signed parameters as `name=value` pairs joined by `&`, also
    /// when a value is empty) percent-encoded again, written in one pass: encoding an encoded
    /// byte only turns its `%` into `%25`, and `=` and `&` become `%3D` and `%26`. Both ends sign every STS call,
    /// and the session policy inside is long.
    public static func stringToSign(method: String, parameters: [QueryItem]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 + parameters.reduce(0) { $0 + 3 * ($1.name.utf8.count + $1.value.utf8.count) + 6 })
        out += method.uppercased().utf8
        out += "&%2F&".utf8
        for (index, item) in signedParameters(parameters).enumerated() {
            if index > 0 { out += "%26".utf8 }
            appendEncodedTwice(item.name, to: &out)
            out += "%3D".utf8
            appendEncodedTwice(item.value, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func appendEncodedTwice(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            if PercentEncoding.isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(UInt8(ascii: "2"))
                out.append(UInt8(ascii: "5"))
                out.append(upperHex[Int(byte >> 4)])
                out.append(upperHex[Int(byte & 0xF)])
            }
        }
    }

    /// Base64 HMAC-SHA1 keyed with the secret plus `&`.
    public static func signature(stringToSign: String, secret: String) -> String {
        let key = SymmetricKey(data: Data((secret + "&").utf8))
        return Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(stringToSign.utf8), using: key)).base64EncodedString()
    }
}

/// `ACS3-HMAC-SHA256`, the default signature of Alibaba's Tea/OpenAPI SDKs (spec §15.4).
public enum ACS3Signature {
    public static let algorithm = "ACS3-HMAC-SHA256"

    public struct Authorization: Sendable, Hashable {
        public var accessKeyId: String
        public var signedHeaders: [String]
        public var signature: String

        /// Parses `ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<a;b>,Signature=<hex>` (items in any order).
        public init?(parsing value: String) {
            guard value.hasPrefix(ACS3Signature.algorithm + " ") else { return nil }
            var credential: String?
            var headers: [String]?
            var signature: String?
            for item in value.dropFirst(ACS3Signature.algorithm.count + 1).split(separator: ",") {
                let trimmed = item.trimmingASCIIWhitespace()
                guard let equals = trimmed.firstIndex(of: "=") else { return nil }
                let itemValue = String(trimmed[trimmed.index(after: equals)...])
                switch trimmed[..<equals] {
                case "Credential": credential = itemValue
                case "SignedHeaders": headers = itemValue.split(separator: ";").map { $0.lowercased() }
                case "Signature": signature = itemValue
                default: return nil
                }
            }
            guard let credential, !credential.isEmpty, let headers, !headers.isEmpty, let signature, !signature.isEmpty
            else { return nil }
            accessKeyId = credential
            signedHeaders = headers
            self.signature = signature
        }
    }

    /// The canonical request over the headers the client chose to sign. `headers` holds every header the request
    /// carries (names in any case); repeated values are sorted and joined with `,`.
    public static func canonicalRequest(method: String, path: String = "/", query: [QueryItem],
                                        headers: [(name: String, value: String)], signedHeaders: [String],
                                        payloadHash: String) -> String {
        let canonicalQuery = query
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }
            .joined(separator: "&")
        let signed = signedHeaders.map { $0.lowercased() }.sorted()
        var lines = ""
        for name in signed {
            let values = headers.filter { $0.name.lowercased() == name }.map { $0.value.trimmingASCIIWhitespace() }.sorted()
            lines += name + ":" + values.joined(separator: ",") + "\n"
        }
        return method.uppercased() + "\n" + path + "\n" + canonicalQuery + "\n" + lines + "\n"
            + signed.joined(separator: ";") + "\n" + payloadHash
    }

    public static func stringToSign(canonicalRequest: String) -> String {
        algorithm + "\n" + Hex.lower(SHA256.hash(data: Data(canonicalRequest.utf8)))
    }

    /// Hex HMAC-SHA256 keyed with the secret itself (no derivation).
    public static func signature(stringToSign: String, secret: String) -> String {
        Hex.lower(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    public static func payloadHash(_ body: [UInt8]) -> String { Hex.lower(SHA256.hash(data: body)) }
}
