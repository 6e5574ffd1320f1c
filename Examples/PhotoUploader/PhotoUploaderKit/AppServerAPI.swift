import Foundation
import HTTPTypes
import SiloClient

/// The three calls the app makes to its app server (Silo's, `silo app-server`): sign in, learn where uploads go,
/// list what was uploaded. The STS token itself comes through `AuthServerCredentialsProvider`.
public protocol AppServerAPI: Sendable {
    func signIn(username: String, password: String) async throws -> AppSession
    func uploadConfig(session: AppSession) async throws -> UploadConfig
    func uploads(session: AppSession) async throws -> [UploadedPhoto]
    /// The token endpoint the credentials provider fetches, with the session's bearer header.
    var tokenURL: URL { get }
}

public struct AppSession: Sendable, Hashable, Decodable {
    public let token: String
    public let uid: String
    public let expiration: String

    public init(token: String, uid: String, expiration: String) {
        self.token = token
        self.uid = uid
        self.expiration = expiration
    }
}

public struct UploadConfig: Sendable, Hashable, Decodable {
    public let endpoint: String
    public let bucket: String
    public let region: String
    /// The user's folder: every key the app writes starts with it (the token allows nothing else).
    public let prefix: String
    /// The upload callback to send with each upload (base64 JSON), when the app server wants one.
    public let callback: String?

    public init(endpoint: String, bucket: String, region: String, prefix: String, callback: String? = nil) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        self.callback = callback
    }
}

/// One upload as the app server's catalog knows it (from the upload callbacks).
public struct UploadedPhoto: Sendable, Hashable, Decodable {
    public let key: String
    public let size: Int64
    public let mimeType: String
    public let width: Int?
    public let height: Int?
    public let uploadedAt: Int64

    public init(key: String, size: Int64, mimeType: String, width: Int? = nil, height: Int? = nil, uploadedAt: Int64) {
        self.key = key
        self.size = size
        self.mimeType = mimeType
        self.width = width
        self.height = height
        self.uploadedAt = uploadedAt
    }
}

/// An app-server failure, in the server's words.
public struct AppServerError: Error, Sendable, Hashable, LocalizedError {
    public let status: Int
    public let code: String
    public let message: String
    public var errorDescription: String? { message.isEmpty ? code : message }

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
}

/// The app server over HTTP, through the SDK's transport (the same connections and network settings as storage).
public struct HTTPAppServer: AppServerAPI {
    public let baseURL: URL
    let transport: any Transport

    public init(baseURL: URL, transport: any Transport) {
        self.baseURL = baseURL
        self.transport = transport
    }

    public var tokenURL: URL { baseURL.appendingPathComponent("v1/token") }

    public func signIn(username: String, password: String) async throws -> AppSession {
        try JSONDecoder().decode(AppSession.self, from: try await call(.post, "v1/sessions",
                                                                      json: ["username": username, "password": password]))
    }

    public func uploadConfig(session: AppSession) async throws -> UploadConfig {
        try JSONDecoder().decode(UploadConfig.self, from: try await call(.get, "v1/upload-config", bearer: session.token))
    }

    public func uploads(session: AppSession) async throws -> [UploadedPhoto] {
        struct List: Decodable { let uploads: [UploadedPhoto] }
        return try JSONDecoder().decode(List.self, from: try await call(.get, "v1/uploads", bearer: session.token)).uploads
    }

    private func call(_ method: HTTPRequest.Method, _ path: String, json: [String: String]? = nil,
                      bearer: String? = nil) async throws -> Data {
        let url = baseURL.appendingPathComponent(path)
        var head = HTTPRequest(method: method, scheme: url.scheme, authority: url.host.map { host in
            url.port.map { "\(host):\($0)" } ?? host
        }, path: url.path)
        var body = RequestBody.empty
        if let json {
            let data = try JSONSerialization.data(withJSONObject: json)
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(data.count)
            body = .data(data)
        }
        if let bearer { head.headerFields[.authorization] = "Bearer " + bearer }
        let response = try await transport.send(TransportRequest(head: head, body: body))
        let data = try await response.body.collect(upTo: 4 << 20)
        guard (200..<300).contains(response.head.status.code) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            throw AppServerError(status: response.head.status.code, code: object?["code"] as? String ?? "HTTP\(response.head.status.code)",
                                 message: object?["message"] as? String ?? "")
        }
        return data
    }
}
