import Foundation

/// What identifies a file's content cheaply: its size and modification time. A change in either means the
/// checkpoint of a resumable upload no longer applies.
public struct FileFingerprint: Sendable, Hashable, Codable {
    public var size: Int64
    public var modified: Double

    public init(of url: URL) throws {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        } catch {
            throw OSSClientError.invalidArgument("cannot read \(url.path): \(error.localizedDescription)")
        }
        size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    }
}

enum FileReplacement {
    /// Renames `source` over `destination` (atomic on one file system).
    static func move(_ source: URL, over destination: URL) throws {
        if rename(source.path, destination.path) != 0 {
            throw OSSClientError.invalidArgument("cannot move the download to \(destination.path): errno \(errno)")
        }
    }
}

/// Writes a small JSON file atomically: a crash leaves the old content or the new, never half.
enum AtomicJSON {
    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let data = try JSONEncoder().encode(value)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }

    static func read<T: Decodable>(_ type: T.Type, from url: URL) -> T? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }
}
