import Foundation
import SiloCore

/// Where the transfer manager keeps its records and checkpoints: one JSON file per transfer, written atomically,
/// in a folder the app names relative to its container, so the same transfers are found after a relaunch and
/// after iOS moves the container.
public struct TransferStore: Sendable {
    /// Files under this root are remembered relative to it.
    public let containerRoot: URL
    public let directory: URL

    var records: URL { directory.appendingPathComponent("transfers", isDirectory: true) }
    var checkpoints: URL { directory.appendingPathComponent("checkpoints", isDirectory: true) }

    /// - Parameters:
    ///   - containerRoot: the app's container (on iOS, `NSHomeDirectory()`, the default).
    ///   - directory: relative to the root; the default sits in Library/Application Support, which iOS keeps
    ///     and backs up, unlike Caches.
    public init(containerRoot: URL = URL(fileURLWithPath: NSHomeDirectory(), isDirectory: true),
                directory: String = "Library/Application Support/SiloTransfers") {
        self.containerRoot = containerRoot
        self.directory = containerRoot.appendingPathComponent(directory, isDirectory: true)
    }

    /// A store in any folder, with files remembered relative to `containerRoot`.
    public init(directory: URL, containerRoot: URL) {
        self.containerRoot = containerRoot
        self.directory = directory
    }

    func url(of id: String) -> URL {
        records.appendingPathComponent(Self.fileName(id) + ".json")
    }

    /// Transfer ids are the app's; the file name must not be a path.
    static func fileName(_ id: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        let safe = id.unicodeScalars.allSatisfy { allowed.contains($0) } && !id.hasPrefix(".") && id.count <= 128
        return safe ? id : "id-" + String(CRC64.checksum(Array(id.utf8)), radix: 16)
    }

    func save(_ record: TransferRecord) throws {
        try AtomicJSON.write(record, to: url(of: record.id))
    }

    func remove(_ id: String) {
        try? FileManager.default.removeItem(at: url(of: id))
    }

    /// Every record that reads back; a damaged file is skipped, never fatal.
    func loadAll() -> [TransferRecord] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: records.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.compactMap {
            AtomicJSON.read(TransferRecord.self, from: records.appendingPathComponent($0))
        }
    }
}
