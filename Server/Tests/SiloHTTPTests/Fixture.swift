import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Crypto
import SiloIAM
import Logging
import NIOCore
import NIOPosix
import SiloCore
import SiloDomain
import SiloHTTP
import SiloMetadataSQLite
import SiloStorage

/// A real OSS application on a temporary data folder, and a signer that plays the client's part.
final class Fixture: Sendable {
    static let accessKeyId = "LTAItestroot00000000"
    static let secret = "test-secret-0123456789"
    static let region = "cn-hangzhou"

    let directory: String
    let pool: NIOThreadPool
    let frontEnd: OSSFrontEnd

    init(domains: [String] = []) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        let metadata = try SQLiteMetadataStore(path: directory + "/metadata.sqlite")
        let blobs = try LocalBlobStore(root: directory, pool: pool)
        let settings = ServerSettings(region: Self.region, accountId: "1234567890123456", publicEndpoint: "127.0.0.1:0",
                                      virtualHostDomains: domains)
        let iam = IAMService(store: metadata, accountId: settings.accountId, rootAccessKeyId: Self.accessKeyId,
                             rootSecret: Self.secret, masterKey: SymmetricKey(size: .bits256))
        try await iam.bootstrap()
        frontEnd = OSSFrontEnd(settings: settings, domain: Domain(metadata: metadata, blobs: blobs, iam: iam,
                                                                  accountId: settings.accountId, clock: settings.clock))
    }

    deinit {
        try? pool.syncShutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func run(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "silo-test")
        logger.logLevel = .warning
        let app = try SiloApplication.make(frontEnd: frontEnd, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live, test)
    }

    /// The application on a real port, for clients with their own transport (the SDK).
    func runLive(_ test: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "silo-test")
        logger.logLevel = .warning
        let app = try SiloApplication.make(frontEnd: frontEnd, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            try await test(port)
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Headers for a V1 header-signed request.
    static func signV1(_ method: HTTPRequest.Method, bucket: String?, key: String?, query: String = "",
                       headers: HTTPFields = [:], accessKeyId: String = accessKeyId, secret: String = secret,
                       date: Int64 = now) -> HTTPFields {
        var fields = headers
        fields[.date] = Timestamps.rfc1123(unixSeconds: date)
        let request = SigningRequest(method: method.rawValue, bucket: bucket, key: key,
                                     query: QueryParameters(parsing: Substring(query))!, headers: fields)
        fields[.authorization] = SignatureV1.authorization(request, accessKeyId: accessKeyId, secret: secret)
        return fields
    }

    /// Headers for a V4 header-signed request.
    static func signV4(_ method: HTTPRequest.Method, bucket: String?, key: String?, query: String = "",
                       headers: HTTPFields = [:], region: String = region, date: Int64 = now) -> HTTPFields {
        var fields = headers
        let timestamp = Timestamps.isoBasic(unixSeconds: date)
        fields[HTTPField.Name("x-oss-date")!] = timestamp
        fields[HTTPField.Name("x-oss-content-sha256")!] = SignatureV4.unsignedPayload
        let scope = SignatureV4.Scope(date: String(timestamp.prefix(8)), region: region)
        let request = SigningRequest(method: method.rawValue, bucket: bucket, key: key,
                                     query: QueryParameters(parsing: Substring(query))!, headers: fields)
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: [])
        let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: scope)
        let signature = SignatureV4.signature(stringToSign: stringToSign, secret: secret, scope: scope)
        fields[.authorization] = "OSS4-HMAC-SHA256 Credential=\(accessKeyId)/\(scope.string),Signature=\(signature)"
        return fields
    }

    /// A V4 presigned query string.
    static func presignV4(_ method: HTTPRequest.Method, bucket: String, key: String, expires: Int64,
                          date: Int64 = now) -> String {
        let timestamp = Timestamps.isoBasic(unixSeconds: date)
        let scope = SignatureV4.Scope(date: String(timestamp.prefix(8)), region: region)
        var query = QueryParameters()
        query.append("x-oss-signature-version", SignatureV4.algorithm)
        query.append("x-oss-credential", "\(accessKeyId)/\(scope.string)")
        query.append("x-oss-date", timestamp)
        query.append("x-oss-expires", String(expires))
        let request = SigningRequest(method: method.rawValue, bucket: bucket, key: key, query: query)
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: [])
        let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: scope)
        query.append("x-oss-signature", SignatureV4.signature(stringToSign: stringToSign, secret: secret, scope: scope))
        return query.encoded
    }

    static func path(_ bucket: String, _ key: String? = nil) -> String {
        "/" + bucket + "/" + (key.map { PercentEncoding.encode($0) } ?? "")
    }

    /// The `<Code>` of an error body.
    static func code(_ body: ByteBuffer) -> String? {
        let text = String(buffer: body)
        guard let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>") else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
