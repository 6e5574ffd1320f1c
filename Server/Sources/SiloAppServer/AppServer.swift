import Foundation
import SiloAuditLog
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import NIOCore
import SiloClient
import SiloClientAHC
import SiloCore

/// The application server of the direct-upload design: it authenticates app users, vends STS tokens and
/// PostObject forms scoped by the policy templates, receives upload callbacks and keeps the upload catalog.
/// Embed it in any Hummingbird app with `addRoutes(to:)`, or run it alone with `application(...)`.
public struct AppServer: Sendable {
    public let configuration: AppServerConfiguration
    public let authenticator: AppAuthenticator
    public let tokens: TokenVendor
    public let postPolicies: PostPolicyVendor
    public let catalog: UploadCatalog
    public let receiver: CallbackReceiver
    public let mediaNotifications: MediaNotifyReceiver
    public let callback: CallbackParameters?
    /// Registrations, sign-ins and vended tokens, one line each, when set (`silo app-server --audit-log`).
    public let auditLog: AuditLog?
    let userLimiter: RateLimiter
    let ipLimiter: RateLimiter
    /// Password guesses per account, across addresses.
    let signIns: SignInThrottle
    /// Sign-ins and registrations per address: each costs a 128 MiB scrypt, so far fewer than other requests.
    let signInLimiter: RateLimiter

    /// - Parameters:
    ///   - transport: how the server reaches STS; AsyncHTTPClient by default.
    ///   - keyFetcher: how callback public keys are fetched (HTTP by default; tests inject one).
    ///   - storage: how callbacks are checked against storage (by default a read-only session of the role).
    ///   - roleAssumer: where vended tokens and the callback checker's read-only session come from; by default
    ///     AssumeRole over HTTP at `sts.endpoint`.
    public static func make(
        configuration: AppServerConfiguration, transport: (any Transport)? = nil, roleAssumer: (any RoleAssumer)? = nil,
        hasher: PasswordHasher = .standard,
        keyFetcher: (@Sendable (URL) async throws -> String)? = nil, storage: (any StoredObjectLookup)? = nil,
        signInSettings: SignInThrottle.Settings = SignInThrottle.Settings(), auditLog: AuditLog? = nil
    ) async throws -> AppServer {
        let database = try AppDatabase(path: configuration.database)
        var accounts: AccountStore?
        if let settings = configuration.auth.accounts, settings.enabled {
            accounts = AccountStore(database: database, hasher: hasher, sessionTTLSeconds: settings.sessionTTLSeconds)
            accounts?.prepareDecoy()
        }
        var jwt: JWTAuthenticator?
        if let settings = configuration.auth.jwt { jwt = try await JWTAuthenticator.make(settings) }
        var clientSettings = ClientConfiguration()
        clientSettings.maxConcurrentRequests = 64
        clientSettings.connectionTimeout = .seconds(5)
        clientSettings.socketTimeout = .seconds(10)
        // SILO_CA_FILE: extra authorities (a development CA) for HTTPS to STS and storage.
        let transport = transport ?? AsyncHTTPClientTransport(
            configuration: clientSettings, additionalTrustRootsPEMFile: ProcessInfo.processInfo.environment["SILO_CA_FILE"])
        let roles = roleAssumer ?? STSRoleAssumer(sts: STSClient(
            endpoint: configuration.sts.endpoint, accessKeyId: configuration.sts.accessKeyId,
            accessKeySecret: configuration.sts.accessKeySecret, transport: transport))
        let tokens = TokenVendor(sts: roles, roleArn: configuration.sts.roleArn, durationSeconds: configuration.sts.durationSeconds,
                                 templates: configuration.policyTemplates, bucket: configuration.storage.bucket)
        let callback = configuration.callback.url.map {
            CallbackParameters(url: $0, secret: configuration.sts.accessKeySecret)
        }
        let catalog = UploadCatalog(database: database)
        return AppServer(
            configuration: configuration, authenticator: AppAuthenticator(accounts: accounts, jwt: jwt), tokens: tokens,
            postPolicies: PostPolicyVendor(tokens: tokens, storage: configuration.storage, templates: configuration.policyTemplates,
                                           settings: configuration.postPolicy, callback: callback),
            catalog: catalog,
            receiver: CallbackReceiver(keys: PublicKeyCache(allowedPrefixes: configuration.callback.publicKeyURLs, fetcher: keyFetcher),
                                       catalog: catalog,
                                       storage: storage ?? StorageInspector(
                                           storage: configuration.storage, sts: roles, roleArn: configuration.sts.roleArn,
                                           durationSeconds: configuration.sts.durationSeconds, transport: transport),
                                       bucket: configuration.storage.bucket,
                                       templates: configuration.policyTemplates,
                                       roleArn: configuration.sts.roleArn, parameters: callback,
                                       requireStorageFacts: configuration.callback.requireStorageFacts),
            mediaNotifications: MediaNotifyReceiver(secret: configuration.mediaNotify?.secret, catalog: catalog,
                                                    bucket: configuration.storage.bucket,
                                                    templates: configuration.policyTemplates),
            callback: callback,
            auditLog: auditLog,
            userLimiter: RateLimiter(configuration.rateLimits.perUser),
            ipLimiter: RateLimiter(configuration.rateLimits.perIP),
            signIns: SignInThrottle(settings: signInSettings),
            signInLimiter: RateLimiter(configuration.rateLimits.signInPerIP))
    }

    /// A standalone server on `host:port`, speaking TLS when `tls` is given.
    public func application(host: String, port: Int, logger: Logger, tls: TLSConfiguration? = nil,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        let router = Router(context: AppRequestContext.self)
        addRoutes(to: router)
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        return Application(router: router, server: server,
                           configuration: .init(address: .hostname(host, port: port), serverName: "Silo-AppServer"),
                           onServerRunning: onServerRunning, logger: logger)
    }

    func audit(_ event: String, ip: String?, user: String?, outcome: String, errorCode: String? = nil,
               roleSession: String? = nil, expiration: String? = nil) {
        auditLog?.record(AppAuditRecord(event: event, clientIp: ip, user: user, outcome: outcome, errorCode: errorCode,
                                        roleSession: roleSession, expiration: expiration))
    }

    func limit(ip: String) throws(AppFailure) {
        if let wait = ipLimiter.acquire("ip:" + ip) { throw .throttled(retryAfterSeconds: wait) }
    }

    /// The per-IP limit for every request, and the tighter one for password checks.
    func limitSignIn(ip: String) throws(AppFailure) {
        try limit(ip: ip)
        if let wait = signInLimiter.acquire("ip:" + ip) { throw .throttled(retryAfterSeconds: wait) }
    }

    func limit(user: AppUser) throws(AppFailure) {
        if let wait = userLimiter.acquire("user:" + user.uid) { throw .throttled(retryAfterSeconds: wait) }
    }

    /// The caller, after the per-IP limit; 401 without valid credentials.
    func authenticate(_ request: Request, ip: String) async throws -> AppUser {
        try limit(ip: ip)
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        return try await authenticator.authenticate(headers: request.headers, query: query)
    }
}
