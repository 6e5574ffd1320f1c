import Foundation
import SiloCore

/// The state of a resumable upload, persisted after every part so a new process can continue it.
struct UploadCheckpoint: Codable, Sendable {
    var version = 1
    var endpoint: String
    var bucket: String
    var key: String
    var filePath: String
    var fingerprint: FileFingerprint
    var partSize: Int64
    var uploadId: String
    var parts: [UploadedPart]
}

/// The state of a resumable download: which ranges of the temporary file are written and synced.
struct DownloadCheckpoint: Codable, Sendable {
    var version = 1
    var endpoint: String
    var bucket: String
    var key: String
    var etag: String
    var size: Int64
    var partSize: Int64
    var temporaryPath: String
    var completedParts: Set<Int>
    /// CRC-64 of each completed part as it arrived: the file is read back against these, and they combine into
    /// the object's CRC-64.
    var partCRCs: [Int: UInt64] = [:]
}

/// Serializes checkpoint writes from concurrent part tasks; each write replaces the file atomically. The
/// writes (each one synced) run in order on a queue of their own, off the tasks' executor.
actor CheckpointStore<Record: Codable & Sendable> {
    let url: URL?
    private(set) var record: Record
    private let writer = SerialBlockingIO(label: "silo.checkpoint")

    init(url: URL?, record: Record) {
        self.url = url
        self.record = record
    }

    func update(_ change: (inout Record) -> Void) async throws {
        change(&record)
        guard let url else { return }
        // Queued before the actor yields, so the file's writes follow the record's changes in order.
        let snapshot = record
        try await writer.run { try AtomicJSON.write(snapshot, to: url) }
    }

    func remove() async {
        guard let url else { return }
        _ = try? await writer.run { try? FileManager.default.removeItem(at: url) }
    }
}

enum CheckpointName {
    /// A stable file name for one transfer: the same call finds the same checkpoint after a restart.
    static func make(_ parts: [String], suffix: String) -> String {
        let digest = CRC64.checksum(Array(parts.joined(separator: "\u{0}").utf8))
        return String(digest, radix: 16) + "." + suffix + ".json"
    }
}
