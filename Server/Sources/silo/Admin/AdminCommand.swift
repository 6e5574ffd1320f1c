import ArgumentParser
import Foundation
import SiloClient
import SiloClientAHC
import SiloCore

/// `silo admin ...`: users, keys, roles, policies and "explain this 403", through the admin API.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Manage RAM users, access keys, roles and policies of a running Silo.",
        subcommands: [UserCommand.self, KeyCommand.self, RoleCommand.self, PolicyCommand.self, STSCommand.self])
}

/// Where the server is and whose key signs: flags, else SILO_* variables, else the root identity in --data-dir.
struct AdminOptions: ParsableArguments {
    @Option(help: "The OSS endpoint of the server.")
    var endpoint: String = ProcessInfo.processInfo.environment["SILO_ENDPOINT"] ?? "http://127.0.0.1:9000"

    @Option(help: "Access key id to sign with (default: SILO_ACCESS_KEY_ID, then the root key).")
    var accessKeyId: String?

    // The secret comes only from SILO_ACCESS_KEY_SECRET (or the data folder's root key): a flag would show it in `ps`.

    @Option(help: "Data folder whose root identity signs when no key is given.")
    var dataDir: String = "./data"

    @Option(help: "Signing region.")
    var region: String = ProcessInfo.processInfo.environment["SILO_REGION"] ?? "cn-hangzhou"

    @Flag(help: "Print the server's JSON instead of text.")
    var json = false

    /// The SDK's admin client on its usual transport, signing with the resolved key.
    func client() throws -> AdminClient {
        let (id, secret) = try LocalCredentials.resolve(accessKeyId: accessKeyId, dataDir: dataDir, allowOSSVariables: false)
        guard let url = URL(string: endpoint), url.host != nil else { throw ValidationError("--endpoint is not a URL: \(endpoint)") }
        var configuration = ClientConfiguration()
        configuration.maxRetries = 1
        let transport = AsyncHTTPClientTransport(configuration: configuration,
                                                 additionalTrustRootsPEMFile: ProcessInfo.processInfo.environment["SILO_CA_FILE"])
        return AdminClient(OSSClient(endpoint: url, region: region,
                                     credentials: StaticCredentialsProvider(accessKeyId: id, accessKeySecret: secret),
                                     configuration: configuration, transport: transport))
    }

    /// Calls `operation` and prints its answer: the JSON with --json, else `render`'s text; a refusal prints the
    /// server's code and message.
    func run<Path, Body, Output>(_ operation: AdminOperation<Path, Body, Output>, path: Path, body: Body,
                                 render: (Any) -> String = { _ in "done" }) async throws {
        let admin = try client()
        defer { Task { try? await admin.client.shutdown() } }
        let output: Output
        do {
            output = try await admin.call(operation, path: path, body: body)
        } catch let error as OSSClientError {
            if case .server(let status, let code, let message, _, _) = error {
                FileHandle.standardError.write(Data("error: \(code) (\(status)): \(message)\n".utf8))
            } else {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
            throw ExitCode(1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = Output.self == AdminEmpty.self ? Data() : try encoder.encode(output)
        if json {
            print(data.isEmpty ? "{}" : String(decoding: data, as: UTF8.self))
            return
        }
        let object: Any = data.isEmpty ? [String: Any]() : (try? JSONSerialization.jsonObject(with: data)) ?? [String: Any]()
        print(render(object))
    }

    func run<Path, Output>(_ operation: AdminOperation<Path, AdminEmpty, Output>, path: Path,
                           render: (Any) -> String = { _ in "done" }) async throws {
        try await run(operation, path: path, body: AdminEmpty(), render: render)
    }

    func run<Body, Output>(_ operation: AdminOperation<NoPathParameters, Body, Output>, body: Body,
                           render: (Any) -> String = { _ in "done" }) async throws {
        try await run(operation, path: NoPathParameters(), body: body, render: render)
    }

    func run<Output>(_ operation: AdminOperation<NoPathParameters, AdminEmpty, Output>,
                     render: (Any) -> String = { _ in "done" }) async throws {
        try await run(operation, path: NoPathParameters(), body: AdminEmpty(), render: render)
    }
}

/// Reads `@path` as a file's content, anything else as itself.
func inlineOrFile(_ value: String) throws -> String {
    guard value.hasPrefix("@") else { return value }
    guard let data = FileManager.default.contents(atPath: String(value.dropFirst())) else {
        throw ValidationError("cannot read \(value.dropFirst())")
    }
    return String(decoding: data, as: UTF8.self)
}

func table(_ rows: Any, _ columns: [String]) -> String {
    guard let rows = rows as? [[String: Any]] else { return "" }
    let cells = rows.map { row in columns.map { "\(row[$0] ?? "")" } }
    let widths = columns.indices.map { index in max(columns[index].count, cells.map { $0[index].count }.max() ?? 0) }
    func line(_ values: [String]) -> String {
        zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces)
    }
    return ([line(columns.map { $0.uppercased() })] + cells.map(line)).joined(separator: "\n")
}

func fields(_ object: Any, _ keys: [String]) -> String {
    guard let object = object as? [String: Any] else { return "" }
    return keys.compactMap { key in object[key].map { "\(key): \($0)" } }.joined(separator: "\n")
}
