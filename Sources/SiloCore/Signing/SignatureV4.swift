import Crypto
import Foundation

/// Signature V4 (`OSS4-HMAC-SHA256`), header and presigned forms.
public enum SignatureV4 {
    public static let algorithm = "OSS4-HMAC-SHA256"
    public static let terminator = "aliyun_v4_request"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// `<yyyymmdd>/<region>/<product>/aliyun_v4_request`
    public struct Scope: Sendable, Hashable {
        public var date: String
        public var region: String
        public var product: String

        public init(date: String, region: String, product: String = "oss") {
            self.date = date
            self.region = region
            self.product = product
        }

        public var string: String { "\(date)/\(region)/\(product)/\(SignatureV4.terminator)" }
    }

    /// A parsed `Credential=` value: `<ak>/<date>/<region>/<product>/aliyun_v4_request`.
    public struct Credential: Sendable, Hashable {
        public var accessKeyId: String
        public var scope: Scope

        public init?(parsing value: String) {
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 5, !parts[0].isEmpty, String(parts[4]) == SignatureV4.terminator else { return nil }
            accessKeyId = String(parts[0])
            scope = Scope(date: String(parts[1]), region: String(parts[2]), product: String(parts[3]))
        }

        public init(accessKeyId: String, scope: Scope) {
            self.accessKeyId = accessKeyId
            self.scope = scope
        }

        public var string: String { accessKeyId + "/" + scope.string }
    }

    /// The parsed `Authorization` header. Items come in any order, separated by `,` with optional spaces.
    public struct Authorization: Sendable, Hashable {
        public var credential: Credential
        public var additionalHeaders: [String]
        public var signature: String

        public init?(parsing value: String) {
            guard value.hasPrefix(SignatureV4.algorithm + " ") else { return nil }
            var credential: Credential?
            var additional: [String] = []
            var signature: String?
            for item in value.dropFirst(SignatureV4.algorithm.count + 1).split(separator: ",") {
                let trimmed = item.trimmingASCIIWhitespace()
                guard let equals = trimmed.firstIndex(of: "=") else { return nil }
                let name = trimmed[..<equals]
                let itemValue = String(trimmed[trimmed.index(after: equals)...])
                switch name {
                case "Credential": credential = Credential(parsing: itemValue)
                case "AdditionalHeaders":
                    additional = itemValue.split(separator: ";").map { $0.lowercased() }
                case "Signature": signature = itemValue
                default: return nil
                }
            }
            guard let credential, let signature, !signature.isEmpty else { return nil }
            self.credential = credential
            self.additionalHeaders = additional
            self.signature = signature
        }
    }

    static func isDefaultSigned(_ name: String) -> Bool {
        name.hasPrefix("x-oss-") || name == "content-type" || name == "content-md5"
    }

    /// The canonical request. `additionalHeaders` are lower-case names beyond the default-signed ones.
    public static func canonicalRequest(
        _ request: SigningRequest, additionalHeaders: [String], excludeQuery: Set<String> = ["x-oss-signature"]
    ) -> String {
        var uri = "/"
        if let bucket = request.bucket, !bucket.isEmpty {
            uri += bucket + "/" + (request.key ?? "")
        }
        let additional = Set(additionalHeaders.filter { !isDefaultSigned($0) })
        let headers = request.canonicalHeaders { isDefaultSigned($0) || additional.contains($0) }
        let query = request.query.canonicalized(excluding: excludeQuery)
        var out = request.method.uppercased() + "\n"
        out += PercentEncoding.encode(uri, keepSlash: true) + "\n"
        out += query + "\n"
        for (name, value) in headers { out += name + ":" + value + "\n" }
        out += "\n"
        out += additional.sorted().joined(separator: ";") + "\n"
        out += request.header("x-oss-content-sha256") ?? unsignedPayload
        return out
    }

    public static func stringToSign(canonicalRequest: String, timestamp: String, scope: Scope) -> String {
        HMACV4.stringToSign(algorithm: algorithm, canonicalRequest: canonicalRequest, timestamp: timestamp, scope: scope.string)
    }

    public static func signingKey(secret: String, scope: Scope) -> SymmetricKey {
        HMACV4.signingKey(secretPrefix: "aliyun_v4", secret: secret, date: scope.date, region: scope.region,
                          service: scope.product, terminator: terminator)
    }

    public static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        HMACV4.signature(stringToSign: stringToSign, signingKey: signingKey)
    }

    public static func signature(stringToSign: String, secret: String, scope: Scope) -> String {
        signature(stringToSign: stringToSign, signingKey: signingKey(secret: secret, scope: scope))
    }

    /// The request's V4 timestamp: `x-oss-date`, else a `Date` header in ISO basic form (Android).
    public static func headerTimestamp(_ request: SigningRequest) -> String? {
        if let date = request.header("x-oss-date") { return date }
        if let date = request.header("date"), Timestamps.parseISOBasic(date) != nil { return date }
        return nil
    }
}

/// Lower- and upper-case hex of digests.
public enum Hex {
    private static let lowerDigits = Array("0123456789abcdef".utf8)
    private static let upperDigits = Array("0123456789ABCDEF".utf8)

    public static func lower<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 { render(bytes, lowerDigits) }
    public static func upper<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 { render(bytes, upperDigits) }

    private static func render<D: Sequence>(_ bytes: D, _ digits: [UInt8]) -> String where D.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ string: String) -> [UInt8]? {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = PercentEncoding.hexValue(utf8[index]), let low = PercentEncoding.hexValue(utf8[index + 1])
            else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
