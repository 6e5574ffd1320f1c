import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SiloAppServer
import SiloAuditLog
import SiloHTTP

struct AppServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app-server",
        abstract: "Run the application server: app-user sign-in, STS token vending, PostObject policies, upload callbacks and the upload catalog.")

    @Option(help: "The YAML (or JSON) configuration file.")
    var config: String

    @Option(help: "HOST:PORT to listen on.")
    var address: String = "127.0.0.1:9200"

    @OptionGroup var listener: ListenerOptions

    @Option(help: "Where registrations, sign-ins and vended tokens are logged, one JSON line each: a file path, '-' for stdout, or 'off'. Default: app-audit.log beside the database.")
    var auditLog: String?



    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["SILO_LOG_LEVEL"] ?? "info"

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "silo.app-server")
        let (host, port) = try ServerCommand.split(address, option: "--address")
        let (configuration, server, audit) = try await Self.prepare(config: config, auditLog: auditLog, logger: logger)
        let tls = try listener.certificate()
        if listener.metricsAddress != nil { _ = MetricsListener.registry }
        let app = try server.application(host: host, port: port, logger: logger, tls: tls?.serverConfiguration()) { channel in
            let bound = channel.localAddress?.port ?? port
            Self.banner(host: host, port: bound, scheme: tls == nil ? "http" : "https", configuration: configuration)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        // First, so stopped last: it writes what the listener recorded while it stopped.
        if let audit { services.insert(.init(service: audit), at: 0) }
        if let metricsAddress = listener.metricsAddress {
            services.append(.init(service: try MetricsListener.application(address: metricsAddress, readiness: nil,
                                                                           logger: logger) { channel in
                let bound = channel.localAddress?.port ?? 0
                FileHandle.standardOutput.write(Data("  metrics      : http://\(metricsAddress.split(separator: ":").dropLast().joined(separator: ":")):\(bound)/metrics\n".utf8))
            }))
        }
        let group = ServiceGroup(configuration: try listener.serviceGroup(services, logger: logger))
        let reload = tls.map { HangupReload(certificates: [$0], logger: logger) }
        try await group.run()
        reload?.cancel()
    }

    /// The configuration, the server built from it and its audit log; a configuration that does not load ends the
    /// process with status 2 and says why. `roleAssumer` chooses where tokens come from (HTTP to `sts.endpoint`
    /// when it gives nil).
    static func prepare(config: String, auditLog: String?, logger: Logger,
                        roleAssumer: (AppServerConfiguration) async throws -> (any RoleAssumer)? = { _ in nil })
        async throws -> (AppServerConfiguration, AppServer, AuditLog?)
    {
        do {
            let configuration = try AppServerConfiguration.load(path: config)
            // The database holds password hashes. Its folder may be shared (the working directory), so only the
            // files are made private: those made before, and (through the umask) those SQLite makes now.
            PrivateFiles.restrictNewFiles()
            PrivateFiles.secure(files: ["", "-wal", "-shm"].map { configuration.database + $0 })
            let audit = try Self.auditLog(auditLog, database: configuration.database, logger: logger)
            let server = try await AppServer.make(configuration: configuration, roleAssumer: try await roleAssumer(configuration),
                                                  auditLog: audit)
            return (configuration, server, audit)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("silo: \(config): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func auditLog(_ option: String?, database: String, logger: Logger) throws -> AuditLog? {
        switch option {
        case "off": return nil
        case "-": return AuditLog(destination: .standardOutput, logger: logger)
        case let path?: return AuditLog(destination: .file(path: path, maxBytes: 100 << 20, keep: 10), logger: logger)
        case nil:
            let folder = URL(fileURLWithPath: database).deletingLastPathComponent().path
            return AuditLog(destination: .file(path: folder + "/app-audit.log", maxBytes: 100 << 20, keep: 10), logger: logger)
        }
    }

    static func banner(host: String, port: Int, scheme: String = "http", configuration: AppServerConfiguration,
                       stsInProcess: Bool = false) {
        let base = "\(scheme)://\(host):\(port)"
        var lines = [
            "Silo app server is running.",
            "  App server   : \(base)",
            "  token (§17)  : GET \(base)/v1/token   (Authorization: Bearer <session or JWT>)",
            "  post policy  : GET \(base)/v1/post-policy",
            "  uploads      : GET \(base)/v1/uploads",
            stsInProcess ? "  STS          : this process  role \(configuration.sts.roleArn)"
                : "  STS          : \(configuration.sts.endpoint.absoluteString)  role \(configuration.sts.roleArn)",
            "  storage      : \(configuration.storage.endpoint.absoluteString)  bucket \(configuration.storage.bucket)",
        ]
        if configuration.auth.accounts?.enabled == true {
            lines.append("  accounts     : POST \(base)/v1/accounts, POST \(base)/v1/sessions  {\"username\",\"password\"}")
        }
        if let url = configuration.callback.url { lines.append("  callbacks    : \(url.absoluteString)") }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
