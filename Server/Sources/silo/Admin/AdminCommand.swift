import ArgumentParser
import Foundation

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

    @Option(help: "Secret of that key (default: SILO_ACCESS_KEY_SECRET, then the root key).")
    var accessKeySecret: String?

    @Option(help: "Data folder whose root identity signs when no key is given.")
    var dataDir: String = "./data"

    @Option(help: "Signing region.")
    var region: String = ProcessInfo.processInfo.environment["SILO_REGION"] ?? "cn-hangzhou"

    @Flag(help: "Print the server's JSON instead of text.")
    var json = false

    func client() throws -> AdminClient {
        let (id, secret) = try LocalCredentials.resolve(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret,
                                                       dataDir: dataDir, allowOSSVariables: false)
        guard let url = URL(string: endpoint) else { throw ValidationError("--endpoint is not a URL: \(endpoint)") }
        return AdminClient(endpoint: url, accessKeyId: id, secret: secret, region: region)
    }

    /// Runs a call and prints its result: the JSON with --json, else `render`'s text.
    func run(_ method: String, _ path: String, body: [String: Any]? = nil,
             render: (Any) -> String = { _ in "done" }) async throws {
        let data: Data
        do {
            data = try await client().call(method, path, body: body)
        } catch let failure as AdminClient.Failure {
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(data.isEmpty ? "{}" : String(decoding: data, as: UTF8.self))
            return
        }
        let object: Any = data.isEmpty ? [String: Any]() : (try? JSONSerialization.jsonObject(with: data)) ?? [String: Any]()
        print(render(object))
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
