import Foundation
import Metrics
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloAuditLog
import SiloCallbackSigning
import SiloCore

/// What a host app's request context must offer to carry the app server's routes.
public protocol AppServerRequestContext: RequestContext {
    /// The caller's address, for per-IP limits.
    var clientIP: String { get }
}

extension AppRequestContext: AppServerRequestContext {}

extension AppServer {
    /// The §17 token document.
    struct TokenBody: Encodable {
        let StatusCode: Int
        let AccessKeyId: String
        let AccessKeySecret: String
        let SecurityToken: String
        let Expiration: String

        /// What `JSONResponses.encoder` writes (sorted keys), by hand: every vended token is one, and the
        /// encoder cost a thirtieth of the app server's CPU per token.
        var json: [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(160 + AccessKeyId.utf8.count + AccessKeySecret.utf8.count + SecurityToken.utf8.count)
            out += #"{"AccessKeyId":"#.utf8
            JSONText.appendString(AccessKeyId, to: &out)
            out += #","AccessKeySecret":"#.utf8
            JSONText.appendString(AccessKeySecret, to: &out)
            out += #","Expiration":"#.utf8
            JSONText.appendString(Expiration, to: &out)
            out += #","SecurityToken":"#.utf8
            JSONText.appendString(SecurityToken, to: &out)
            out += #","StatusCode":"#.utf8
            out += String(StatusCode).utf8
            out.append(UInt8(ascii: "}"))
            return out
        }
    }

    struct Credentials: Decodable {
        let username: String
        let password: String
    }

    struct SessionBody: Encodable {
        let token: String
        let uid: String
        let expiration: String
    }

    struct UploadConfig: Encodable {
        let endpoint: String
        let bucket: String
        let region: String
        let prefix: String
        /// `x-oss-callback` for uploads, when this server receives callbacks.
        let callback: String?
    }

    struct UploadList: Encodable {
        let uploads: [UploadCatalog.Upload]
    }

    struct CallbackAnswer: Encodable {
        let Status: String
        let upload: UploadCatalog.Upload
    }

    public func addRoutes<Context: AppServerRequestContext>(to router: Router<Context>) {
        router.add(middleware: ErrorMiddleware<Context>())
        router.get("/healthz") { _, _ in JSONResponses.make(["status": "ok"]) }
        // Ready when its database takes writes (sign-ins, sessions and the catalog all need them).
        router.get("/readyz") { _, _ in
            do {
                try await self.catalog.database.checkWritable()
                return JSONResponses.make(["status": "ready"])
            } catch {
                return JSONResponses.make(["status": "not ready"], status: .serviceUnavailable)
            }
        }

        router.post("/v1/accounts") { request, context in
            try limitSignIn(ip: context.clientIP)
            guard let accounts = authenticator.accounts, configuration.auth.accounts?.registration == true else {
                throw AppFailure.registrationDisabled
            }
            let input = try await Self.decode(Credentials.self, from: request)
            let user: AppUser
            do {
                user = try await accounts.register(username: input.username, password: input.password)
            } catch let failure as AppFailure {
                audit("Register", ip: context.clientIP, user: input.username, outcome: "refused",
                      errorCode: AppErrors.document(failure).code)
                throw failure
            }
            audit("Register", ip: context.clientIP, user: user.uid, outcome: "succeeded")
            return JSONResponses.make(["uid": user.uid], status: .created)
        }

        router.post("/v1/sessions") { request, context in
            try limitSignIn(ip: context.clientIP)
            guard let accounts = authenticator.accounts else {
                throw AppFailure.accountsDisabled
            }
            let input = try await Self.decode(Credentials.self, from: request)
            if let wait = signIns.begin(input.username) {
                audit("SignIn", ip: context.clientIP, user: input.username, outcome: "throttled")
                throw AppFailure.throttled(retryAfterSeconds: wait)
            }
            let session: AccountStore.Session
            do {
                session = try await accounts.login(username: input.username, password: input.password)
            } catch AppFailure.wrongCredentials {
                signIns.failed(input.username)
                audit("SignIn", ip: context.clientIP, user: input.username, outcome: "refused")
                Counter(label: "silo_app_sign_ins_total", dimensions: [("outcome", "refused")]).increment()
                throw AppFailure.wrongCredentials
            }
            signIns.succeeded(input.username)
            Counter(label: "silo_app_sign_ins_total", dimensions: [("outcome", "succeeded")]).increment()
            audit("SignIn", ip: context.clientIP, user: session.uid, outcome: "succeeded")
            return JSONResponses.make(SessionBody(token: session.token, uid: session.uid,
                                                  expiration: Timestamps.iso8601NoFraction(unixSeconds: session.expiresAt)),
                                      noStore: true)
        }

        router.delete("/v1/sessions") { request, context in
            _ = try await authenticate(request, ip: context.clientIP)
            if let token = AppAuthenticator.bearer(headers: request.headers, query: [:]), let accounts = authenticator.accounts {
                try await accounts.logout(token: token)
            }
            return Response(status: .noContent)
        }

        // The mobile SDKs' auth-server provider: a plain GET answered with the §17 document.
        router.get("/v1/token") { request, context in
            let user = try await authenticate(request, ip: context.clientIP)
            try limit(user: user)
            do {
                let assumed = try await tokens.token(for: user)
                audit("VendToken", ip: context.clientIP, user: user.uid, outcome: "succeeded",
                      roleSession: user.roleSessionName, expiration: assumed.expiration)
                let credentials = assumed.credentials
                let body = TokenBody(StatusCode: 200, AccessKeyId: credentials.accessKeyId,
                                     AccessKeySecret: credentials.accessKeySecret,
                                     SecurityToken: credentials.securityToken ?? "", Expiration: assumed.expiration)
                return JSONResponses.make(json: body.json, noStore: true)
            } catch let failure as AppFailure {
                // HTTP 200 with the error in the document: Android's SDK drops the body of a 4xx/5xx (§17.2).
                let document = AppErrors.document(failure)
                audit("VendToken", ip: context.clientIP, user: user.uid, outcome: "failed", errorCode: document.code)
                return JSONResponses.error(AppServerError(status: 500, code: document.code, message: document.message), httpStatus: 200)
            }
        }

        router.get("/v1/post-policy") { request, context in
            let user = try await authenticate(request, ip: context.clientIP)
            try limit(user: user)
            return JSONResponses.make(try await postPolicies.form(for: user), noStore: true)
        }

        router.get("/v1/upload-config") { request, context in
            let user = try await authenticate(request, ip: context.clientIP)
            guard let prefix = PolicyTemplate.userPrefix(configuration.policyTemplates, uid: user.uid) else {
                throw AppFailure.noUserPrefix
            }
            return JSONResponses.make(UploadConfig(endpoint: configuration.storage.endpoint.absoluteString,
                                                   bucket: configuration.storage.bucket, region: configuration.storage.region,
                                                   prefix: prefix, callback: callback?.base64(for: user)))
        }

        // `/uploads` as the seed names it, and under /v1 with the rest of the API.
        for path in ["/v1/uploads", "/uploads"] {
            router.get(RouterPath(path)) { request, context in
                let user = try await authenticate(request, ip: context.clientIP)
                return JSONResponses.make(UploadList(uploads: try await catalog.uploads(of: user.uid)))
            }
        }

        // The uploader app: a mobile web page over the same API.
        // `/app` and `/app/` are one route; the page's relative links need the slash.
        router.get("/app/") { request, _ in
            guard request.uri.path.hasSuffix("/") else { return Response(status: .movedPermanently, headers: [.location: "/app/"]) }
            return UploaderAssets.response("index.html", storage: configuration.storage.endpoint)!
        }
        router.get("/app/{file}") { _, context in
            guard let name = context.parameters.get("file"),
                  let response = UploaderAssets.response(name, storage: configuration.storage.endpoint)
            else { throw AppServerError(status: 404, code: "NotFound", message: "The uploader has no such file.") }
            return response
        }

        // Called by the storage service, not by apps: trusted through the callback signature alone.
        router.post("/v1/callback") { request, context in
            let body = try await request.body.collect(upTo: CallbackReceiver.maxBodyBytes)
            let target = request.head.path ?? "/"
            let split = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let headers = CallbackReceiver.Headers(
                authorization: request.headers[.authorization],
                publicKeyURL: request.headers[HTTPField.Name("x-oss-pub-key-url")!],
                facts: request.headers[HTTPField.Name(CallbackAttestation.factsHeader)!],
                factsSignature: request.headers[HTTPField.Name(CallbackAttestation.signatureHeader)!])
            let upload = try await receiver.receive(
                path: String(split[0]), rawQuery: split.count > 1 ? String(split[1]) : nil, body: Data(buffer: body),
                headers: headers)
            return JSONResponses.make(CallbackAnswer(Status: "OK", upload: upload))
        }

        // Media job webhooks, also from the storage service: trusted through the bucket's HMAC alone.
        router.post("/v1/media/notify") { request, context in
            let body = try await request.body.collect(upTo: MediaNotifyReceiver.maxBodyBytes)
            let outcome = try await mediaNotifications.receive(
                body: Data(buffer: body), timestamp: request.headers[HTTPField.Name(WebhookSignature.timestampHeader)!],
                signature: request.headers[HTTPField.Name(WebhookSignature.header)!])
            audit("MediaNotify", ip: context.clientIP, user: nil, outcome: outcome.recorded > 0 ? "recorded" : "acknowledged")
            return JSONResponses.make(outcome)
        }
    }

    /// Sign-in and registration bodies: a username (≤ 32 bytes) and a password (≤ 1 KiB), read unauthenticated.
    static let maxCredentialsBytes = 4 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let body = try await request.body.collect(upTo: maxCredentialsBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw AppServerError.badRequest("InvalidJSON", "The body must be JSON with username and password.")
        }
    }
}
