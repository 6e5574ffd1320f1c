import ArgumentParser
import Foundation
import SiloAppServer
import SiloClient
import SiloClientAHC

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "The seed's direct-upload flow, set up and played through.",
        subcommands: [DemoSetupCommand.self, MobileFlowCommand.self])
}

/// `silo demo mobile-flow`: what a mobile app does, narrated step by step.
struct MobileFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mobile-flow",
        abstract: "Act as a mobile app: log in, fetch a token, upload (simple and resumable), see the callbacks, list, download, thumbnail.")

    @Option(help: "The app server's base URL.")
    var appServer: String = "http://127.0.0.1:9200"

    @Option(help: "App user to sign in as (registered on first use).")
    var user: String

    @Option(help: "That user's password (env SILO_DEMO_PASSWORD).")
    var password: String = ProcessInfo.processInfo.environment["SILO_DEMO_PASSWORD"] ?? "demo-password"

    @Option(help: "The file to upload, e.g. photo.jpg.")
    var file: String

    @Option(help: "A large file for the resumable upload (default: a generated one of --large-size bytes).")
    var largeFile: String?

    @Option(help: "Size of the generated large file, in bytes.")
    var largeSize: Int64 = 24 << 20

    func run() async throws {
        guard let url = URL(string: appServer), url.host != nil else { throw ValidationError("--app-server is not a URL: \(appServer)") }
        let fileURL = URL(fileURLWithPath: file)
        guard FileManager.default.fileExists(atPath: fileURL.path) else { throw ValidationError("no such file: \(file)") }
        var options = MobileFlow.Options(appServer: url, username: user, password: password, file: fileURL)
        options.largeFile = largeFile.map(URL.init(fileURLWithPath:))
        options.largeFileSize = largeSize
        let transport = AsyncHTTPClientTransport()
        defer { Task { try? await transport.shutdown() } }
        do {
            _ = try await MobileFlow(options: options, transport: transport) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }.run()
            print("Done: the bytes went straight to storage; the app server saw only the sign-in, the token and the callbacks.")
        } catch {
            FileHandle.standardError.write(Data("mobile-flow failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
