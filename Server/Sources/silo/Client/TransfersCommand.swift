import ArgumentParser
import Foundation
import SiloClient
import SiloCore

/// `silo transfers list|resume|cancel`: the transfers `silo cp` left unfinished (killed, failed), seen and
/// driven through the same transfer manager an app uses after a relaunch.
struct TransfersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfers", abstract: "List, resume or cancel unfinished transfers of silo cp.",
        subcommands: [List.self, Resume.self, Cancel.self])

    static let defaultDirectory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".silo/transfers").path

    /// Paths are absolute on a desktop: the container root is the file system's.
    static func store(_ directory: String) -> TransferStore {
        TransferStore(directory: URL(fileURLWithPath: directory, isDirectory: true), containerRoot: URL(fileURLWithPath: "/"))
    }

    struct Settings: ParsableArguments {
        @OptionGroup var options: ClientOptions
        @Option(help: "Where transfers and their checkpoints are kept.") var checkpointDir: String = TransfersCommand.defaultDirectory

        func manager() throws -> TransferManager {
            TransferManager(client: try options.makeClient(), store: TransfersCommand.store(checkpointDir))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the transfers on record.")
        @OptionGroup var settings: Settings

        func run() async throws {
            let manager = try settings.manager()
            for transfer in await manager.list() {
                let arrow = transfer.kind == .upload
                    ? "\(transfer.file.path) -> oss://\(transfer.bucket)/\(transfer.key)"
                    : "oss://\(transfer.bucket)/\(transfer.key) -> \(transfer.file.path)"
                if settings.options.json {
                    var object: [String: Any] = ["id": transfer.id, "kind": transfer.kind.rawValue, "state": transfer.state.rawValue,
                                                 "bucket": transfer.bucket, "key": transfer.key, "file": transfer.file.path,
                                                 "bytes_transferred": transfer.progress.bytesTransferred]
                    if let total = transfer.progress.totalBytes { object["total_bytes"] = total }
                    if let failure = transfer.failure { object["failure"] = failure }
                    printJSON(object)
                } else {
                    let done = transfer.progress.totalBytes.map { " \(ByteCount.text(transfer.progress.bytesTransferred))/\(ByteCount.text($0))" } ?? ""
                    print("\(transfer.id)  \(transfer.state.rawValue)\(done)  \(arrow)" + (transfer.failure.map { "  (\($0))" } ?? ""))
                }
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run transfers to the end: the ids given, or every unfinished one.")
        @OptionGroup var settings: Settings
        @Argument(help: "Transfer ids (default: all unfinished).") var ids: [String] = []

        func run() async throws {
            let manager = try settings.manager()
            try await reportingErrors {
                let unfinished = await manager.list().filter { !$0.state.isFinished }.map(\.id)
                for id in ids.isEmpty ? unfinished : ids {
                    try await manager.resume(id)
                    await manager.restore()
                    let done = try await manager.wait(for: id)
                    print("\(id)  \(done.state.rawValue)")
                    if done.state == .completed { await manager.forget(id) }
                }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give transfers up: aborts an upload's parts, removes checkpoints and partial files.")
        @OptionGroup var settings: Settings
        @Argument(help: "Transfer ids.") var ids: [String]

        func run() async throws {
            let manager = try settings.manager()
            try await reportingErrors {
                for id in ids {
                    try await manager.cancel(id)
                    print("\(id)  cancelled")
                }
            }
        }
    }
}
