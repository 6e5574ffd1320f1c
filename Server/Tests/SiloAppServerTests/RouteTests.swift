import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import SiloAppServer

/// The HTTP surface: the §17 document, 401s, limits, and what the token's session policy holds.
@Suite struct RouteTests {
    func withServer(_ edit: (inout AppServerConfiguration) -> Void = { _ in }, sts: STSStub = STSStub(),
                    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let configuration = try Fixtures.configuration(edit)
        let server = try await AppServer.make(configuration: configuration, transport: sts, hasher: Fixtures.hasher)
        let router = Router(context: AppRequestContext.self)
        server.addRoutes(to: router)
        try await Application(router: router).test(.router, test)
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    static func signIn(_ client: any TestClientProtocol, _ user: String = "alice") async throws -> String {
        let credentials = ByteBuffer(string: #"{"username":"\#(user)","password":"password-\#(user)"}"#)
        let created = try await client.execute(uri: "/v1/accounts", method: .post, body: credentials)
        #expect(created.status == .created)
        let session = try await client.execute(uri: "/v1/sessions", method: .post, body: credentials)
        #expect(session.status == .ok)
        return try #require(json(session.body)["token"] as? String)
    }

    @Test func theUploaderPageIsServedUnderItsSecurityPolicy() async throws {
        try await withServer { client in
            let redirect = try await client.execute(uri: "/app", method: .get)
            #expect(redirect.status == .movedPermanently && redirect.headers[.location] == "/app/")
            for (uri, type) in [("/app/", "text/html"), ("/app/uploader.js", "text/javascript"), ("/app/oss-signer.js", "text/javascript"),
                                ("/app/app.css", "text/css")] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(uri)")
                let policy = try #require(response.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe"), "\(policy)")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            let page = String(buffer: try await client.execute(uri: "/app/", method: .get).body)
            // No inline script or style: every <script> names its file, and no element carries an event handler.
            #expect(page.components(separatedBy: "<script").count - 1 == page.components(separatedBy: "<script type=\"module\" src=").count - 1)
            #expect(!page.contains(" onclick=") && !page.contains("<style") && !page.contains(" style="))
            for missing in ["/app/nope.js", "/app/..%2Fv1%2Ftoken"] {
                #expect(try await client.execute(uri: missing, method: .get).status == .notFound, "\(missing)")
            }
        }
    }

    @Test func unauthenticatedRequestsGet401() async throws {
        try await withServer { client in
            for uri in ["/v1/token", "/v1/uploads", "/uploads", "/v1/post-policy", "/v1/upload-config", "/v1/token?access_token=silo_s_nope"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized, "\(uri)")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(Self.json(response.body)["ErrorCode"] as? String == "Unauthorized")
                #expect(Self.json(response.body)["StatusCode"] as? Int == 401)
            }
            let basic = try await client.execute(uri: "/v1/token", method: .get, headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == .unauthorized)
        }
    }

    @Test func tokenDocumentIsExactlyTheMobileSDKs() async throws {
        let sts = STSStub()
        try await withServer(sts: sts) { client in
            let token = try await Self.signIn(client)
            let response = try await client.execute(uri: "/v1/token", method: .get, headers: [.authorization: "Bearer " + token])
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let document = Self.json(response.body)
            #expect(Set(document.keys) == ["StatusCode", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"])
            #expect(document["StatusCode"] as? Int == 200)
            #expect(document["AccessKeyId"] as? String == "STS.key-alice")
            #expect(document["Expiration"] as? String == "2030-01-01T00:30:00Z")
            // The query-parameter form works too (the mobile SDKs cannot add headers).
            let viaQuery = try await client.execute(uri: "/v1/token?access_token=" + token, method: .get)
            #expect(viaQuery.status == .ok)
            for path in ["/uploads", "/v1/uploads"] {
                let list = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer " + token])
                #expect(list.status == .ok && (Self.json(list.body)["uploads"] as? [Any])?.isEmpty == true)
            }
        }
        let request = try #require(sts.requests.withLockedValue { $0.first })
        #expect(request["RoleArn"] == "acs:ram::1234567890:role/mobile-uploader")
        #expect(request["RoleSessionName"] == "alice")
        #expect(request["DurationSeconds"] == "1800")
        #expect(request["Policy"]?.contains("acs:oss:*:*:demo/users/alice/*") == true)
    }

    @Test func stsFailureIsHTTP200WithTheErrorDocument() async throws {
        let sts = STSStub { _ in (403, #"{"Code":"NoPermission","Message":"You are not authorized to do this action.","RequestId":"x"}"#) }
        try await withServer(sts: sts) { client in
            let token = try await Self.signIn(client)
            let response = try await client.execute(uri: "/v1/token", method: .get, headers: [.authorization: "Bearer " + token])
            #expect(response.status == .ok)
            let document = Self.json(response.body)
            #expect(document["StatusCode"] as? Int == 500)
            #expect(document["ErrorCode"] as? String == "NoPermission")
            #expect((document["ErrorMessage"] as? String)?.isEmpty == false)
        }
    }

    @Test func perUserLimit() async throws {
        try await withServer({ $0.rateLimits.perUser = .init(requests: 2, windowSeconds: 3600) }) { client in
            let alice = try await Self.signIn(client, "alice")
            let bob = try await Self.signIn(client, "bob")
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/v1/token", method: .get, headers: [.authorization: "Bearer " + alice]).status == .ok)
            }
            let limited = try await client.execute(uri: "/v1/token", method: .get, headers: [.authorization: "Bearer " + alice])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter].flatMap(Int.init).map { $0 > 0 } == true)
            #expect(Self.json(limited.body)["ErrorCode"] as? String == "Throttling")
            #expect(try await client.execute(uri: "/v1/token", method: .get, headers: [.authorization: "Bearer " + bob]).status == .ok)
        }
    }

    @Test func perIPLimitCoversSignIn() async throws {
        try await withServer({ $0.rateLimits.perIP = .init(requests: 3, windowSeconds: 3600) }) { client in
            let wrong = ByteBuffer(string: #"{"username":"alice","password":"wrong-password"}"#)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.execute(uri: "/v1/sessions", method: .post, body: wrong).status) }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
        }
    }

    @Test func registrationCanBeClosedAndBadInputIsA400() async throws {
        try await withServer({ $0.auth.accounts?.registration = false }) { client in
            let response = try await client.execute(uri: "/v1/accounts", method: .post, body: ByteBuffer(string: #"{"username":"alice","password":"password-1"}"#))
            #expect(response.status == .forbidden)
        }
        try await withServer { client in
            let garbage = try await client.execute(uri: "/v1/sessions", method: .post, body: ByteBuffer(string: "{not json"))
            #expect(garbage.status == .badRequest)
            #expect(Self.json(garbage.body)["ErrorCode"] as? String == "InvalidJSON")
        }
    }

    @Test func postPolicyPinsThePrefixSizeAndToken() async throws {
        try await withServer { client in
            let token = try await Self.signIn(client)
            let response = try await client.execute(uri: "/v1/post-policy", method: .get, headers: [.authorization: "Bearer " + token])
            #expect(response.status == .ok)
            let form = Self.json(response.body)
            #expect(form["url"] as? String == "http://127.0.0.1:9000/demo")
            #expect(form["keyPrefix"] as? String == "users/alice/")
            let fields = try #require(form["fields"] as? [String: String])
            #expect(fields["x-oss-security-token"] == "token-for-alice")
            #expect(fields["x-oss-credential"]?.hasPrefix("STS.key-alice/") == true)
            #expect(fields["callback"] != nil)
            let policy = try #require(Data(base64Encoded: fields["policy"] ?? ""))
            let text = String(decoding: policy, as: UTF8.self)
            #expect(text.contains(#"["starts-with","$key","users/alice/"]"#))
            #expect(text.contains(#"["content-length-range",0,104857600]"#))
            #expect(text.contains(#"{"x-oss-security-token":"token-for-alice"}"#))
        }
    }
}

@Suite struct TokenDocumentTests {
    @Test func theHandWrittenTokenDocumentIsWhatTheEncoderWrites() throws {
        for secret in ["plain", "quote\"back\\slash/slash", "line\nfeed\ttab\u{1}", "ünïcödé 😀"] {
            let body = AppServer.TokenBody(StatusCode: 200, AccessKeyId: "STS.abc", AccessKeySecret: secret,
                                           SecurityToken: "CAIS+/=\(secret)", Expiration: "2026-12-05T23:59:59Z")
            let encoded = try JSONResponses.encoder.encode(body)
            #expect(body.json == Array(encoded), "\(secret)")
        }
    }
}
