import Crypto
import Foundation

/// Signature V2 (`OSS2`, HMAC-SHA256), which only oss2 produces (spec §5).
public enum SignatureV2 {
    /// `RFC3986("/" + bucket + "/" + key)` with `/` encoded too, then `?` and every query parameter sorted.
    public static func canonicalizedResource(bucket: String?, key: String?, query: QueryParameters,
                                             excluding excluded: Set<String> = []) -> String {
        var path = "/"
        if let bucket, !bucket.isEmpty { path += bucket + "/" + (key ?? "") }
        var resource = PercentEncoding.encode(path)
        let canonicalQuery = query.canonicalized(excluding: excluded)
        if !canonicalQuery.isEmpty { resource += "?" + canonicalQuery }
        return resource
    }

    public static func stringToSign(_ request: SigningRequest, date: String, additionalHeaders: [String],
                                    excludingQuery excluded: Set<String> = []) -> String {
        let additional = Set(additionalHeaders.map { $0.lowercased() })
        var out = request.method.uppercased() + "\n"
        out += (request.header("content-md5") ?? "") + "\n"
        out += (request.header("content-type") ?? "") + "\n"
        out += date + "\n"
        for (name, value) in request.canonicalHeaders(where: { $0.hasPrefix("x-oss-") || additional.contains($0) }) {
            out += name + ":" + value + "\n"
        }
        out += additional.sorted().joined(separator: ";") + "\n"
        out += canonicalizedResource(bucket: request.bucket, key: request.key, query: request.query, excluding: excluded)
        return out
    }

    public static func signature(stringToSign: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// A parsed `OSS2 AccessKeyId:<ak>[,AdditionalHeaders:<h1;h2>],Signature:<sig>`.
    public struct Authorization: Sendable, Hashable {
        public var accessKeyId: String
        public var additionalHeaders: [String]
        public var signature: String

        public init?(parsing value: String) {
            guard value.hasPrefix("OSS2 ") else { return nil }
            var accessKeyId: String?
            var additional: [String] = []
            var signature: String?
            for item in value.dropFirst(5).split(separator: ",") {
                let trimmed = item.trimmingASCIIWhitespace()
                guard let colon = trimmed.firstIndex(of: ":") else { return nil }
                let itemValue = String(trimmed[trimmed.index(after: colon)...])
                switch trimmed[..<colon] {
                case "AccessKeyId": accessKeyId = itemValue
                case "AdditionalHeaders": additional = itemValue.split(separator: ";").map { $0.lowercased() }
                case "Signature": signature = itemValue
                default: return nil
                }
            }
            guard let accessKeyId, !accessKeyId.isEmpty, let signature, !signature.isEmpty else { return nil }
            self.accessKeyId = accessKeyId
            self.additionalHeaders = additional
            self.signature = signature
        }
    }
}
