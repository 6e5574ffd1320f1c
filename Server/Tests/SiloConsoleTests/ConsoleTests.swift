import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import SiloCore
import SiloDomain
import SiloHTTP
import SiloIAM
import SiloMetadataSQLite
import SiloStorage
import Testing

@testable import SiloConsole

@Suite struct ConsoleFormTests {
    @Test func parsesURLEncodedFieldsWithinTheirBounds() throws {
        let form = try ConsoleForm.parse("csrf=abc&name=a+b%2Bc&empty=&flag")
        #expect(form.fields == ["csrf": "abc", "name": "a b+c", "empty": "", "flag": ""])
        #expect(throws: ConsoleFailure.self) { try ConsoleForm.parse("a=%zz") }
        let many = (0..<201).map { "f\($0)=1" }.joined(separator: "&")
        #expect(throws: ConsoleFailure.self) { try ConsoleForm.parse(many) }
        #expect(ConsoleForm.constantTimeEquals("token", "token") && !ConsoleForm.constantTimeEquals("token", "tokeN"))
        #expect(!ConsoleForm.constantTimeEquals("token", "token2"))
    }

    @Test func findsTheNamedCookie() {
        #expect(ConsoleFrontEnd.cookie("silo_console", inHeaders: ["a=1; silo_console=T1", "silo_console=T2"]) == "T1")
        #expect(ConsoleFrontEnd.cookie("silo_console", inHeaders: ["silo_console_signin=x"]) == nil)
    }
}

@Suite struct ConsoleSessionTests {
    @Test func sessionsEndWhenIdleOrOld() {
        let clock = ClockBox()
        let sessions = ConsoleSessions(clock: { clock.now })
        let session = sessions.create(principal: .root(accessKeyId: "K"), accessKeyId: "K", secret: "S")
        #expect(session.token.count >= 40 && session.csrf.count >= 32)
        clock.now += ConsoleSessions.idleSeconds - 1
        #expect(sessions.session(session.token) != nil)
        clock.now += ConsoleSessions.idleSeconds
        #expect(sessions.session(session.token) == nil, "idle too long")
        let busy = sessions.create(principal: .root(accessKeyId: "K"), accessKeyId: "K", secret: "S")
        for _ in 0..<20 {
            clock.now += 30 * 60 - 10
            _ = sessions.session(busy.token)
        }
        #expect(sessions.session(busy.token) == nil, "older than the maximum")
        let ended = sessions.create(principal: .root(accessKeyId: "K"), accessKeyId: "K", secret: "S")
        sessions.end(ended.token)
        #expect(sessions.session(ended.token) == nil)
    }

    final class ClockBox: @unchecked Sendable {
        var now: Int64 = 1_700_000_000
    }
}

/// The console's routes against a real domain on a temporary SQLite store.
@Suite struct ConsoleRouteTests {
    static let rootKey = "LTAItestroot00000000"
    static let rootSecret = "test-secret-0123456789"

    func withConsole(_ test: @escaping @Sendable (any TestClientProtocol, ConsoleFrontEnd) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-console-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metadata = try SQLiteMetadataStore(path: directory + "/metadata.sqlite")
        let settings = ServerSettings(region: "cn-hangzhou", accountId: "1234567890123456", publicEndpoint: "127.0.0.1:9000")
        let iam = IAMService(store: metadata, accountId: settings.accountId, rootAccessKeyId: Self.rootKey, rootSecret: Self.rootSecret,
                             masterKey: SymmetricKey(size: .bits256))
        try await iam.bootstrap()
        let domain = Domain(metadata: metadata, blobs: try LocalBlobStore(root: directory, pool: .singleton), iam: iam,
                            accountId: settings.accountId, clock: settings.clock)
        let console = try ConsoleFrontEnd(oss: OSSFrontEnd(settings: settings, domain: domain), version: "test", secureCookies: true)
        let router = Router(context: ConsoleContext.self)
        console.addRoutes(to: router)
        try await Application(router: router).test(.router) { client in try await test(client, console) }
    }

    static func field(_ name: String, in body: ByteBuffer) -> String? {
        let html = String(buffer: body)
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func cookies(_ response: TestResponse) -> [String: String] {
        var jar: [String: String] = [:]
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            jar[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
        }
        return jar
    }

    /// Signs in as root; answers the session cookie and the CSRF token of its pages.
    static func signIn(_ client: any TestClientProtocol, secret: String = rootSecret) async throws -> (cookie: String, csrf: String)? {
        let page = try await client.execute(uri: "/signin", method: .get)
        let loginToken = try #require(field("csrf", in: page.body))
        let signInCookie = try #require(cookies(page)[ConsoleFrontEnd.signInCookie])
        let body = "csrf=\(loginToken)&accessKeyId=\(rootKey)&accessKeySecret=\(secret)"
        let signed = try await client.execute(uri: "/signin", method: .post,
                                              headers: [.cookie: "\(ConsoleFrontEnd.signInCookie)=\(signInCookie)",
                                                        .contentType: "application/x-www-form-urlencoded"],
                                              body: ByteBuffer(string: body))
        guard signed.status == .seeOther, let session = cookies(signed)[ConsoleFrontEnd.sessionCookie] else { return nil }
        let buckets = try await client.execute(uri: "/buckets", method: .get,
                                               headers: [.cookie: "\(ConsoleFrontEnd.sessionCookie)=\(session)"])
        return ("\(ConsoleFrontEnd.sessionCookie)=\(session)", try #require(field("csrf", in: buckets.body)))
    }

    @Test func signInSetsAStrictHttpOnlySecureCookieAndPagesCarryThePolicy() async throws {
        try await withConsole { client, _ in
            let page = try await client.execute(uri: "/signin", method: .get)
            let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe") && policy.contains("frame-ancestors 'none'"))
            #expect(!String(buffer: page.body).contains("<script>"))
            let cookie = try #require(page.headers[values: .setCookie].first)
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"))
            #expect(try await Self.signIn(client, secret: "wrong") == nil)
            let signedIn = try #require(try await Self.signIn(client))
            let buckets = try await client.execute(uri: "/buckets", method: .get, headers: [.cookie: signedIn.cookie])
            #expect(buckets.status == .ok && String(buffer: buckets.body).contains("Create a bucket"))
            #expect(buckets.headers[.cacheControl] == "no-store")
            let anonymous = try await client.execute(uri: "/buckets", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/signin")
        }
    }

    @Test func formsWithoutTheSessionsTokenChangeNothing() async throws {
        try await withConsole { client, console in
            let signedIn = try #require(try await Self.signIn(client))
            let form: HTTPFields = [.cookie: signedIn.cookie, .contentType: "application/x-www-form-urlencoded"]
            let forged = try await client.execute(uri: "/buckets", method: .post, headers: form, body: ByteBuffer(string: "name=forged"))
            #expect(forged.status == .forbidden && String(buffer: forged.body).contains("InvalidCSRFToken"))
            #expect(try await console.domain.buckets.find("forged") == nil)
            let made = try await client.execute(uri: "/buckets", method: .post, headers: form,
                                                body: ByteBuffer(string: "csrf=\(signedIn.csrf)&name=made-here"))
            #expect(made.status == .seeOther)
            #expect(try await console.domain.buckets.find("made-here") != nil)
            // A bad name is the OSS refusal, shown as a page, not a crash.
            let bad = try await client.execute(uri: "/buckets", method: .post, headers: form,
                                               body: ByteBuffer(string: "csrf=\(signedIn.csrf)&name=No_Such"))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("InvalidBucketName"))
            let missing = try await client.execute(uri: "/nowhere", method: .get, headers: [.cookie: signedIn.cookie])
            #expect(missing.status == .notFound)
        }
    }

    @Test func aRolesTrustPolicyIsEditedAndCheckedWhenSaved() async throws {
        try await withConsole { client, console in
            let signedIn = try #require(try await Self.signIn(client))
            let form: HTTPFields = [.cookie: signedIn.cookie, .contentType: "application/x-www-form-urlencoded"]
            _ = try await console.domain.iam.createRole(name: "uploader", trustPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}"#,
                                                        maxSessionDuration: nil, description: nil)
            let page = String(buffer: try await client.execute(uri: "/ram/roles/uploader", method: .get, headers: [.cookie: signedIn.cookie]).body)
            #expect(page.contains(#"action="/ram/roles/uploader/update""#) && page.contains("<textarea id=\"trust-policy\""))
            let trust = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:user/app"]}}]}"#
            func post(_ fields: [(String, String)]) async throws -> TestResponse {
                let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
                return try await client.execute(uri: "/ram/roles/uploader/update", method: .post, headers: form, body: ByteBuffer(string: body))
            }
            let saved = try await post([("csrf", signedIn.csrf), ("trustPolicy", trust), ("maxSessionDuration", "7200"), ("description", "app")])
            #expect(saved.status == .seeOther)
            let role = try await console.domain.iam.role("uploader")
            #expect(role.trustPolicy == trust && role.maxSessionDuration == 7200 && role.description == "app")
            let malformed = try await post([("csrf", signedIn.csrf), ("trustPolicy", "{not json"), ("maxSessionDuration", "7200")])
            #expect(malformed.status == .badRequest && String(buffer: malformed.body).contains("MalformedPolicyDocument"))
            let tooLong = try await post([("csrf", signedIn.csrf), ("trustPolicy", trust), ("maxSessionDuration", "99999")])
            #expect(tooLong.status == .badRequest && String(buffer: tooLong.body).contains("MaxSessionDuration"))
            let forged = try await post([("trustPolicy", "{}"), ("maxSessionDuration", "3600")])
            #expect(forged.status == .forbidden)
            #expect(try await console.domain.iam.role("uploader").trustPolicy == trust, "refused edits change nothing")
        }
    }

    @Test func aPageOfObjectsListsFoldersObjectsAndThumbnails() async throws {
        try await withConsole { client, console in
            let signedIn = try #require(try await Self.signIn(client))
            try await console.domain.buckets.create("photos", acl: .private, storageClass: .standard)
            for key in ["a.jpg", "b.txt", "dir/c.png"] {
                let body = AsyncStream<ByteBuffer> { continuation in
                    continuation.yield(ByteBuffer(string: "x"))
                    continuation.finish()
                }
                _ = try await console.domain.objects.put(bucket: try await console.domain.buckets.require("photos"), key: key, body: body,
                                                         expectedLength: 1, contentMD5: nil, attributes: ObjectAttributes(),
                                                         forbidOverwrite: false)
            }
            let page = try await client.execute(uri: "/b/photos?limit=2", method: .get, headers: [.cookie: signedIn.cookie])
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            #expect(html.contains(">a.jpg<") && html.contains(">b.txt<") && !html.contains(">dir/<"))
            #expect(html.contains("x-oss-process=image%2Fresize%2Cm_fill%2Cw_96%2Ch_96"))
            #expect(html.contains("rel=\"next\""))
            let next = try await client.execute(uri: "/b/photos?limit=2&marker=b.txt", method: .get, headers: [.cookie: signedIn.cookie])
            #expect(String(buffer: next.body).contains(">dir/<"))
            // Z to A runs across pages: the first page holds the bucket's last names, not the first page reversed.
            let reversed = String(buffer: try await client.execute(uri: "/b/photos?limit=2&order=desc", method: .get,
                                                                  headers: [.cookie: signedIn.cookie]).body)
            #expect(reversed.contains(">dir/<") && reversed.contains(">b.txt<") && !reversed.contains(">a.jpg<"))
            #expect(reversed.contains("marker=b.txt") && reversed.contains("order=desc"))
            let rest = String(buffer: try await client.execute(uri: "/b/photos?limit=2&order=desc&marker=b.txt", method: .get,
                                                              headers: [.cookie: signedIn.cookie]).body)
            #expect(rest.contains(">a.jpg<") && !rest.contains(">b.txt<") && !rest.contains("rel=\"next\""))
        }
    }
}
