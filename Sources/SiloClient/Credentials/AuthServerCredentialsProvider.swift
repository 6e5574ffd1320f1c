import Foundation
import HTTPTypes
import SiloCore

/// The mobile SDKs' auth-server provider (spec §17): a plain GET of the app server's token URL, answered with
/// `{"StatusCode":200,"AccessKeyId":…,"AccessKeySecret":…,"SecurityToken":…,"Expiration":"…Z"}`, renewed
/// five minutes before it expires (see `RefreshingCredentialsProvider` for failures, backoff and clocks). Expiry is
/// judged in the app server's time, learnt from its answer's `Date` header.
public struct AuthServerCredentialsProvider: CredentialsProvider {
    private let refreshing: RefreshingCredentialsProvider

    /// - Parameters:
    ///   - url: the token endpoint; put the app user's identity in it (or in `headers`).
    ///   - transport: how the endpoint is reached (the client's own transport will do).
    ///   - headers: extra request headers, such as the app session's `Authorization`.
    ///   - refreshBefore: how long before expiry a token is renewed.
    ///   - decode: transforms the body before JSON parsing (the iOS SDK's `responseDecoder`), e.g. to decrypt it.
    public init(url: URL, transport: any Transport, headers: [String: String] = [:],
                refreshBefore: Duration = .seconds(300),
                decode: (@Sendable (Data) throws -> Data)? = nil) {
        self.init(url: url, transport: transport, refreshBefore: refreshBefore, decode: decode, headers: { headers })
    }

    /// - Parameters:
    ///   - url: the token endpoint.
    ///   - transport: how the endpoint is reached.
    ///   - refreshBefore: how long before expiry a token is renewed.
    ///   - now: the device's clock (tests move it); expiry is judged on the app server's clock from its `Date`.
    ///   - decode: transforms the body before JSON parsing, e.g. to decrypt it.
    ///   - headers: asked before every fetch, so a rotated app login token (or any header the app computes) is
    ///     sent without making a new client.
    public init(url: URL, transport: any Transport, refreshBefore: Duration = .seconds(300),
                now: @escaping @Sendable () -> Date = { Date() },
                decode: (@Sendable (Data) throws -> Data)? = nil,
                headers: @escaping @Sendable () async throws -> [String: String]) {
        refreshing = RefreshingCredentialsProvider(refreshBefore: refreshBefore, now: now, fetchWithDate: {
            try await Self.fetch(url: url, transport: transport, headers: try await headers(), decode: decode)
        })
    }

    public func credentials() async throws -> Credentials { try await refreshing.credentials() }

    public func invalidate(_ credentials: Credentials) async { await refreshing.invalidate(credentials) }

    public func adoptServerClock(offset: TimeInterval) async { await refreshing.adoptServerClock(offset: offset) }

    /// How many times the endpoint was called.
    public var fetchCount: Int { get async { await refreshing.fetchCount } }

    static func fetch(url: URL, transport: any Transport, headers: [String: String],
                      decode: (@Sendable (Data) throws -> Data)?) async throws -> RefreshingCredentialsProvider.Fetched {
        guard let scheme = url.scheme, let host = url.host else {
            throw OSSClientError.invalidArgument("auth server URL \(url) has no scheme or host")
        }
        let authority = url.port.map { "\(host):\($0)" } ?? host
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        var head = HTTPRequest(method: .get, scheme: scheme, authority: authority, path: path)
        for (name, value) in headers {
            guard let fieldName = HTTPField.Name(name) else { continue }
            head.headerFields[fieldName] = value
        }
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(head: head, body: .empty))
        } catch {
            throw OSSClientError.credentials("auth server \(url) unreachable: \(error)")
        }
        var body = try await response.body.collect(upTo: 1 << 20)
        if let decode { body = try decode(body) }
        let serverDate = response.header("Date").flatMap(Timestamps.parseRFC1123).map { Date(timeIntervalSince1970: TimeInterval($0)) }
        return .init(credentials: try parse(body, status: response.head.status.code), serverDate: serverDate)
    }

    /// Parses the spec §17.2 document. Only `StatusCode` 200 (number or string) means success.
    public static func parse(_ body: Data, status: Int = 200) throws -> Credentials {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw OSSClientError.credentials("auth server answered HTTP \(status) without a JSON object")
        }
        let statusCode: Int? = (object["StatusCode"] as? Int) ?? (object["StatusCode"] as? String).flatMap { Int($0) }
        guard statusCode == 200 else {
            let code = object["ErrorCode"] as? String ?? "Unknown"
            let message = object["ErrorMessage"] as? String ?? ""
            throw OSSClientError.credentials("auth server refused: StatusCode \(statusCode.map(String.init) ?? "missing"), \(code): \(message)")
        }
        func field(_ name: String) throws -> String {
            guard let value = object[name] as? String, !value.isEmpty else {
                throw OSSClientError.credentials("auth server response lacks \(name)")
            }
            return value
        }
        let expirationText = try field("Expiration")
        guard let expiration = Timestamps.parseISO8601(expirationText) else {
            throw OSSClientError.credentials("auth server Expiration \(expirationText) is not yyyy-MM-ddTHH:mm:ssZ")
        }
        return Credentials(accessKeyId: try field("AccessKeyId"), accessKeySecret: try field("AccessKeySecret"),
                           securityToken: try field("SecurityToken"),
                           expiration: Date(timeIntervalSince1970: TimeInterval(expiration)))
    }
}
