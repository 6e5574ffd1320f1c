import Crypto
import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for S3-compatible services: the S3 blob backend signs its
/// requests to Ceph RGW with it, and an S3 front end can verify with the same canonical form.
///
/// Transport-free, like soto's signer: it signs a description of a request and answers the headers to send.
/// The path is given decoded and encoded here once (S3 signs the path as sent, without normalizing it), so
/// the caller sends `AWSSignatureV4.Request.encodedPath` and what is signed is what goes on the wire.
public enum AWSSignatureV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let terminator = "aws4_request"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of no bytes: the payload hash of bodiless requests.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// `<yyyymmdd>/<region>/<service>/aws4_request`
    public struct Scope: Sendable, Hashable {
        public var date: String
        public var region: String
        public var service: String

        public init(date: String, region: String, service: String = "s3") {
            self.date = date
            self.region = region
            self.service = service
        }

        public var string: String { "\(date)/\(region)/\(service)/\(AWSSignatureV4.terminator)" }
    }

    public struct Credentials: Sendable, Hashable {
        public var accessKeyId: String
        public var secretAccessKey: String
        public var sessionToken: String?

        public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyId = accessKeyId
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// What is signed. `headers` must include `host`; every header given is signed.
    public struct Request: Sendable {
        public var method: String
        /// Decoded, starting with `/` (`/bucket/key` for path-style S3).
        public var path: String
        /// Decoded names and values, in any order.
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]

        public init(method: String, path: String, query: [(name: String, value: String)] = [],
                    headers: [(name: String, value: String)]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
        }

        /// The path as it must be sent: RFC 3986 unreserved bytes and `/` literal, everything else `%XX`.
        public var encodedPath: String { PercentEncoding.encode(path.isEmpty ? "/" : path, keepSlash: true) }

        /// The query as it must be sent, in canonical order.
        public var encodedQuery: String {
            let encoded: [(name: String, value: String)] = query.map {
                (PercentEncoding.encode($0.name), PercentEncoding.encode($0.value))
            }
            let sorted = encoded.sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
            return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
        }
    }

    /// Lower-case names, values trimmed with inner runs of spaces collapsed, repeated names joined by `,`,
    /// sorted by name.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(String, String)] {
        var merged: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            let normalized = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                .trimmingCharacters(in: .whitespaces)
            merged[key] = merged[key].map { $0 + "," + normalized } ?? normalized
        }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public static func canonicalRequest(_ request: Request, payloadHash: String) -> String {
        let headers = canonicalHeaders(request.headers)
        var out = request.method.uppercased() + "\n"
        out += request.encodedPath + "\n"
        out += request.encodedQuery + "\n"
        for (name, value) in headers { out += name + ":" + value + "\n" }
        out += "\n"
        out += headers.map(\.0).joined(separator: ";") + "\n"
        out += payloadHash
        return out
    }

    public static func stringToSign(canonicalRequest: String, timestamp: String, scope: Scope) -> String {
        HMACV4.stringToSign(algorithm: algorithm, canonicalRequest: canonicalRequest, timestamp: timestamp, scope: scope.string)
    }

    public static func signingKey(secret: String, scope: Scope) -> SymmetricKey {
        HMACV4.signingKey(secretPrefix: "AWS4", secret: secret, date: scope.date, region: scope.region,
                          service: scope.service, terminator: terminator)
    }

    public static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        HMACV4.signature(stringToSign: stringToSign, signingKey: signingKey)
    }

    /// Signs `request` at `unixSeconds`: answers the headers to add (`x-amz-date`, `x-amz-content-sha256` for
    /// S3, `x-amz-security-token` for temporary credentials, and `Authorization`), all of them but
    /// `Authorization` signed too. `payloadHash` is the body's lower-case hex SHA-256 or `UNSIGNED-PAYLOAD`.
    public static func sign(_ request: Request, credentials: Credentials, region: String, service: String = "s3",
                            payloadHash: String, unixSeconds: Int64) -> [(name: String, value: String)] {
        let timestamp = Timestamps.isoBasic(unixSeconds: unixSeconds)
        let scope = Scope(date: String(timestamp.prefix(8)), region: region, service: service)
        var added: [(name: String, value: String)] = [("x-amz-date", timestamp)]
        if service == "s3" { added.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var signed = request
        signed.headers += added
        let canonical = canonicalRequest(signed, payloadHash: payloadHash)
        let key = signingKey(secret: credentials.secretAccessKey, scope: scope)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: scope),
                                  signingKey: key)
        let signedHeaders = canonicalHeaders(signed.headers).map(\.0).joined(separator: ";")
        added.append(("Authorization", "\(algorithm) Credential=\(credentials.accessKeyId)/\(scope.string), "
                      + "SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return added
    }
}
