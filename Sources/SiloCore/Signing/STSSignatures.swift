import Crypto
import Foundation

/// Alibaba Cloud's classic RPC signature (HMAC-SHA1 over the sorted parameters), used by aliyunsdkcore and by
/// Tea clients in `signature_algorithm='v2'` mode (spec §15.3).
public enum RPCSignature {
    /// Every parameter except `Signature`, sorted by name, `name=value` (also when the value is empty).
    public static func canonicalizedQuery(_ parameters: [QueryItem]) -> String {
        var seen = Set<String>()
        return parameters
            .filter { $0.name != "Signature" && seen.insert($0.name).inserted }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }
            .joined(separator: "&")
    }

    public static func stringToSign(method: String, parameters: [QueryItem]) -> String {
        method.uppercased() + "&" + PercentEncoding.encode("/") + "&"
            + PercentEncoding.encode(canonicalizedQuery(parameters))
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
