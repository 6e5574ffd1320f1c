import Foundation
import SiloCore
import SiloClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar on stderr, only when stderr is a terminal.
enum ProgressBar {
    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// A reporter whose updates are drawn until the transfer finishes; nil when not on a terminal.
    static func start(label: String) -> (TransferProgress.Reporter, Task<Void, Never>)? {
        guard isTerminal else { return nil }
        let reporter = TransferProgress.Reporter(minimumInterval: .milliseconds(200))
        let task = Task {
            for await update in reporter.updates { draw(label: label, update) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return (reporter, task)
    }

    /// Draws one transfer of a manager until it stops running; nil when not on a terminal.
    static func follow(_ manager: TransferManager, id: String, label: String) -> Task<Void, Never>? {
        guard isTerminal else { return nil }
        let updates = manager.updates()
        return Task {
            for await update in updates where update.id == id {
                draw(label: label, update.progress)
                if update.state != .running && update.state != .queued { break }
            }
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    private static func draw(label: String, _ update: TransferProgress) {
        let fraction = update.fractionCompleted ?? 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(format: "\r%@ [%@] %3d%% %@ %@/s", label, bar, Int(fraction * 100),
                          bytes(update.bytesTransferred), bytes(Int64(update.bytesPerSecond)))
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func bytes(_ count: Int64) -> String { ByteCount.text(count) }
}
