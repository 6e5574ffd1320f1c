import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Mustache
import NIOConcurrencyHelpers
import NIOCore
import SiloAppServer
import SiloCore
import SiloDomain
import SiloHTTP
import SiloIAM

/// The web console: a front end like the OSS API, over the same domain services and the admin operations called in
/// process, as the signed-in key. It parses the form, calls the service, renders a page; every decision (and every
/// "why not") comes from the same access control as the API.
public struct ConsoleFrontEnd: Sendable {
    let oss: OSSFrontEnd
    let sessions: ConsoleSessions
    let templates: MustacheLibrary
    let version: String
    let startedAt: Int64
    /// Cookies get `Secure` when the console itself is served over TLS.
    let secureCookies: Bool
    /// Slows secret guessing against one access key from any number of addresses, and all sign-ins from one address.
    let signIns = SignInThrottle()
    let signInsPerIP = RateLimiter(AppServerConfiguration.RateLimit(requests: 30, windowSeconds: 60))

    static let sessionCookie = "silo_console"
    static let signInCookie = "silo_console_signin"

    /// The app server's SQLite file (its upload catalog), read-only; opened when first needed, since the app server
    /// may start after Silo.
    let appCatalogPath: String?
    let appCatalog = NIOLockedValueBox<UploadCatalog?>(nil)

    public init(oss: OSSFrontEnd, version: String, secureCookies: Bool, appCatalogPath: String? = nil) throws {
        self.oss = oss
        self.appCatalogPath = appCatalogPath
        self.version = version
        self.secureCookies = secureCookies
        let clock = oss.settings.clock
        sessions = ConsoleSessions(clock: clock)
        startedAt = clock()
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all { try library.register(text, named: name) }
        templates = library
    }

    var domain: Domain { oss.domain }
    var now: Int64 { oss.settings.clock() }

    /// Where browsers reach storage: presigned links and upload forms point there.
    var storageBase: String { (oss.settings.tls ? "https://" : "http://") + oss.settings.publicEndpoint.value }

    public func application(host: String, port: Int, logger: Logger, tls: ServingCertificate?,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        let router = Router(context: ConsoleContext.self)
        addRoutes(to: router)
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0.serverConfiguration()) } ?? .http1()
        return Application(router: router, server: server,
                           configuration: .init(address: .hostname(host, port: port), serverName: "Silo-Console"),
                           onServerRunning: onServerRunning, logger: logger)
    }

    func addRoutes(to router: Router<ConsoleContext>) {
        router.add(middleware: ConsoleErrorMiddleware(console: self))
        router.get("/") { request, _ in
            Self.redirect(sessionToken(request).flatMap { sessions.session($0) } == nil ? "/signin" : "/buckets")
        }
        router.get("/static/{file}") { _, context in
            guard let name = context.parameters.get("file"), let response = ConsoleAssets.response(name, policy: securityPolicy) else {
                throw ConsoleFailure.notFound("No such file.")
            }
            return response
        }
        addSignInRoutes(to: router)
        addBucketRoutes(to: router)
        addObjectRoutes(to: router)
        addSettingsRoutes(to: router)
        addMultipartRoutes(to: router)
        addRAMRoutes(to: router)
        addHealthRoutes(to: router)
        addUploadRoutes(to: router)
    }

    // MARK: sessions

    func sessionToken(_ request: Request) -> String? {
        Self.cookie(Self.sessionCookie, in: request)
    }

    /// The caller's session, or a trip to the sign-in page.
    func session(_ request: Request) throws -> ConsoleSessions.Session {
        guard let token = sessionToken(request), let session = sessions.session(token) else { throw ConsoleFailure.signInRequired }
        return session
    }

    func caller(_ session: ConsoleSessions.Session, _ context: ConsoleContext, _ request: Request) -> Caller {
        Caller(principal: session.principal, sourceIP: context.clientIP, userAgent: request.headers[.userAgent],
               accessKeyId: session.accessKeyId)
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        cookie(name, inHeaders: request.headers[values: .cookie])
    }

    /// The first `name=value` pair among `Cookie` header values.
    static func cookie(_ name: String, inHeaders headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }

    func setCookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        var cookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if secureCookies { cookie += "; Secure" }
        return cookie
    }

    // MARK: rendering

    /// Only the console's own files run; images and uploads may reach storage.
    var securityPolicy: String {
        [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' \(storageBase)",
            "connect-src 'self' \(storageBase)", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
        ].joined(separator: "; ")
    }

    func page(_ title: String, _ template: String, _ data: [String: Any], session: ConsoleSessions.Session?,
              notice: String? = nil, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var values = data
        if let session { values["csrf"] = session.csrf }
        let body = templates.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let session {
            layout["user"] = Self.label(session.principal)
            layout["csrf"] = session.csrf
        }
        if let notice { layout["notice"] = notice }
        let html = templates.render(layout, withTemplate: "layout") ?? ""
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] = securityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func label(_ principal: Principal) -> String {
        switch principal {
        case .root: "root"
        case .user(let name, _, _): name
        case .roleSession(let session): session.roleName + "/" + session.sessionName
        case .anonymous: "anonymous"
        }
    }

    /// `?notice=` carried by a redirect after a form post.
    static func notice(_ request: Request) -> String? {
        request.uri.queryParameters.get("notice").map { String($0) }
    }

    static func encodePath(_ text: String) -> String { PercentEncoding.encode(text) }

    static func query(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1) }.joined(separator: "&")
    }

    static func size(_ bytes: Int64) -> String { ByteCount.text(bytes) }

    static func time(_ seconds: Int64) -> String { Timestamps.iso8601NoFraction(unixSeconds: seconds) }
}

/// Hummingbird's context plus the peer's address.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var clientIP: String? { remoteAddress?.ipAddress }
}
