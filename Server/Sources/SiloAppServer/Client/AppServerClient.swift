import Foundation
import HTTPTypes
import SiloClient

/// What a mobile app does with its app server: sign in, learn where to upload, and list its uploads. The
/// token itself comes through SiloClient's `AuthServerCredentialsProvider`, as in the official mobile SDKs.
public struct AppServerClient: Sendable {
    public struct Session: Sendable, Decodable {
        public let token: String
        public let uid: String
        public let expiration: String
    }

    public struct UploadConfig: Sendable, Decodable {
        public let endpoint: String
        public let bucket: String
        public let region: String
        public let prefix: String
        public let callback: String?
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let status: Int
        public let code: String
        public let message: String
        public var description: String { "\(code) (HTTP \(status)): \(message)" }
    }

    public let baseURL: URL
    let transport: any Transport

    public init(baseURL: URL, transport: any Transport) {
        self.baseURL = baseURL
        self.transport = transport
    }

    /// The token endpoint, for `AuthServerCredentialsProvider`.
    public var tokenURL: URL { baseURL.appendingPathComponent("v1/token") }

    public func register(username: String, password: String) async throws {
        _ = try await call(.post, "v1/accounts", json: ["username": username, "password": password])
    }

    public func login(username: String, password: String) async throws -> Session {
        try JSONDecoder().decode(Session.self, from: try await call(.post, "v1/sessions", json: ["username": username, "password": password]))
    }

    public func uploadConfig(session: String) async throws -> UploadConfig {
        try JSONDecoder().decode(UploadConfig.self, from: try await call(.get, "v1/upload-config", bearer: session))
    }

    public func uploads(session: String) async throws -> [UploadCatalog.Upload] {
        struct List: Decodable { let uploads: [UploadCatalog.Upload] }
        return try JSONDecoder().decode(List.self, from: try await call(.get, "v1/uploads", bearer: session)).uploads
    }

    /// Whether the server answers its health check.
    public func isHealthy() async -> Bool { (try? await call(.get, "healthz")) != nil }

    func call(_ method: HTTPRequest.Method, _ path: String, json: [String: String]? = nil, bearer: String? = nil) async throws -> Data {
        let url = baseURL.appendingPathComponent(path)
        guard let scheme = url.scheme, let host = url.host else { throw Failure(status: 0, code: "InvalidURL", message: "\(url)") }
        var head = HTTPRequest(method: method, scheme: scheme, authority: url.port.map { "\(host):\($0)" } ?? host, path: url.path)
        var body = RequestBody.empty
        if let json {
            let data = try JSONSerialization.data(withJSONObject: json)
            head.headerFields[.contentType] = "application/json"
            body = .data(data)
        }
        if let bearer { head.headerFields[.authorization] = "Bearer " + bearer }
        let response = try await transport.send(TransportRequest(head: head, body: body))
        let data = try await response.body.collect(upTo: 16 << 20)
        guard (200..<300).contains(response.head.status.code) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            throw Failure(status: response.head.status.code, code: object?["ErrorCode"] as? String ?? "HTTP\(response.head.status.code)",
                          message: object?["ErrorMessage"] as? String ?? String(decoding: data.prefix(200), as: UTF8.self))
        }
        return data
    }
}
