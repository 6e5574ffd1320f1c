import Foundation
import HTTPTypes
import Hummingbird
import SiloIAM

extension ConsoleFrontEnd {
    /// Sign-in with an access key (root's or a RAM user's; never an STS key, whose session would outlive its token),
    /// protected against login CSRF by a double-submitted token: a cookie and the form's hidden field must agree.
    func addSignInRoutes(to router: Router<ConsoleContext>) {
        router.get("/signin") { _, _ in
            let token = RandomText.alphanumeric(32)
            var headers = HTTPFields()
            headers[.setCookie] = setCookie(Self.signInCookie, token, maxAge: 3600)
            return page("Sign in", "signin", ["csrf": token], session: nil, headers: headers)
        }

        router.post("/signin") { request, context in
            guard let expected = Self.cookie(Self.signInCookie, in: request) else { throw ConsoleFailure.csrf }
            let form = try await ConsoleForm.read(request, csrf: expected)
            let keyId = form["accessKeyId"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let secret = form["accessKeySecret"] ?? ""
            func refuse() -> Response {
                context.logger.notice("console sign-in refused", metadata: ["accessKeyId": "\(keyId)", "ip": "\(context.clientIP ?? "-")"])
                return page("Sign in", "signin", ["csrf": expected, "accessKeyId": keyId, "error": "Wrong AccessKey ID or secret."],
                            session: nil, status: .unauthorized)
            }
            guard !keyId.isEmpty, !keyId.hasPrefix("STS."), keyId.utf8.count <= 128, secret.utf8.count <= 256 else { return refuse() }
            if let wait = signInsPerIP.acquire("ip:" + (context.clientIP ?? "unknown")) ?? signIns.begin(keyId) {
                return page("Sign in", "signin", ["csrf": expected, "accessKeyId": keyId,
                                                  "error": "Too many attempts; try again in \(wait) s."],
                            session: nil, status: .tooManyRequests, headers: [.retryAfter: String(wait)])
            }
            let resolved: ResolvedKey
            do {
                resolved = try await domain.iam.resolve(accessKeyId: keyId, securityToken: nil)
            } catch is CredentialError {
                signIns.failed(keyId)
                return refuse()
            }
            guard ConsoleForm.constantTimeEquals(secret, resolved.secret) else {
                signIns.failed(keyId)
                return refuse()
            }
            signIns.succeeded(keyId)
            let session = sessions.create(principal: resolved.principal, accessKeyId: keyId, secret: resolved.secret)
            var headers = HTTPFields()
            headers.append(HTTPField(name: .setCookie, value: setCookie(Self.sessionCookie, session.token)))
            headers.append(HTTPField(name: .setCookie, value: setCookie(Self.signInCookie, "", maxAge: 0)))
            return Self.redirect("/buckets", headers: headers)
        }

        router.post("/signout") { request, _ in
            let session = try self.session(request)
            _ = try await ConsoleForm.read(request, csrf: session.csrf)
            sessions.end(session.token)
            var headers = HTTPFields()
            headers[.setCookie] = setCookie(Self.sessionCookie, "", maxAge: 0)
            return Self.redirect("/signin", headers: headers)
        }
    }
}
