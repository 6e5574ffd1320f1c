import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SiloAppServer

struct AppServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app-server",
        abstract: "Run the application server: app-user sign-in, STS token vending, PostObject policies, upload callbacks and the upload catalog.")

    @Option(help: "The YAML (or JSON) configuration file.")
    var config: String

    @Option(help: "HOST:PORT to listen on.")
    var address: String = "127.0.0.1:9200"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["SILO_LOG_LEVEL"] ?? "info"

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "silo.app-server")
        let (host, port) = try ServerCommand.split(address, option: "--address")
        let configuration: AppServerConfiguration
        let server: AppServer
        do {
            configuration = try AppServerConfiguration.load(path: config)
            // The database holds password hashes. Its folder may be shared (the working directory), so only the
            // files are made private: those made before, and (through the umask) those SQLite makes now.
            PrivateFiles.restrictNewFiles()
            PrivateFiles.secure(files: ["", "-wal", "-shm"].map { configuration.database + $0 })
            server = try await AppServer.make(configuration: configuration)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("silo app-server: \(config): \(error)\n".utf8))
            throw ExitCode(2)
        }
        let app = server.application(host: host, port: port, logger: logger) { channel in
            let bound = channel.localAddress?.port ?? port
            Self.banner(host: host, port: bound, configuration: configuration)
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func banner(host: String, port: Int, configuration: AppServerConfiguration) {
        let base = "http://\(host):\(port)"
        var lines = [
            "Silo app server is running.",
            "  App server   : \(base)",
            "  token (§17)  : GET \(base)/v1/token   (Authorization: Bearer <session or JWT>)",
            "  post policy  : GET \(base)/v1/post-policy",
            "  uploads      : GET \(base)/v1/uploads",
            "  STS          : \(configuration.sts.endpoint.absoluteString)  role \(configuration.sts.roleArn)",
            "  storage      : \(configuration.storage.endpoint.absoluteString)  bucket \(configuration.storage.bucket)",
        ]
        if configuration.auth.accounts?.enabled == true {
            lines.append("  accounts     : POST \(base)/v1/accounts, POST \(base)/v1/sessions  {\"username\",\"password\"}")
        }
        if let url = configuration.callback.url { lines.append("  callbacks    : \(url.absoluteString)") }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
