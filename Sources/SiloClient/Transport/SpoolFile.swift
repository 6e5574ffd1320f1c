import Foundation

/// A body copied to a private temporary file so URLSession can send it with `uploadTask(with:fromFile:)`:
/// the system reads it from disk as it sends (memory stays flat whatever the part size and concurrency), and a
/// background session, which accepts nothing but files, can own the upload after the app is suspended.
struct SpoolFile: Sendable {
    let url: URL
    let length: Int64

    /// The folder spools go to: the system's temporary folder, which the OS clears of anything a crash leaves.
    static let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("silo-spool", isDirectory: true)

    /// Copies `length` bytes of `file` from `offset` in 1 MiB steps.
    static func slice(of file: URL, offset: Int64, length: Int64, into folder: URL = folder) throws -> SpoolFile {
        let source = try FileHandle(forReadingFrom: file)
        defer { try? source.close() }
        try source.seek(toOffset: UInt64(offset))
        return try write(into: folder) { sink in
            var remaining = length
            while remaining > 0 {
                guard let chunk = try source.read(upToCount: Int(min(remaining, 1 << 20))), !chunk.isEmpty else {
                    throw OSSClientError.fileChanged("\(file.lastPathComponent) ended \(remaining) bytes early while it was being sent")
                }
                try sink.write(contentsOf: chunk)
                remaining -= Int64(chunk.count)
            }
            return length
        }
    }

    /// Drains a one-shot stream to disk; a declared length must match what the stream produced.
    static func drain(_ stream: ByteStream, declaredLength: Int64?, into folder: URL = folder) async throws -> SpoolFile {
        let spool = try create(in: folder)
        do {
            let sink = try FileHandle(forWritingTo: spool)
            defer { try? sink.close() }
            var written: Int64 = 0
            for try await chunk in stream {
                written += Int64(chunk.count)
                if let declaredLength, written > declaredLength {
                    throw TransportError("the stream produced more than the \(declaredLength) bytes announced")
                }
                try sink.write(contentsOf: chunk)
            }
            if let declaredLength, written != declaredLength {
                throw TransportError("the stream produced \(written) bytes, \(declaredLength) announced")
            }
            return SpoolFile(url: spool, length: written)
        } catch {
            try? FileManager.default.removeItem(at: spool)
            throw error
        }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    private static func write(into folder: URL, _ fill: (FileHandle) throws -> Int64) throws -> SpoolFile {
        let spool = try create(in: folder)
        do {
            let sink = try FileHandle(forWritingTo: spool)
            defer { try? sink.close() }
            return SpoolFile(url: spool, length: try fill(sink))
        } catch {
            try? FileManager.default.removeItem(at: spool)
            throw error
        }
    }

    private static func create(in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let spool = folder.appendingPathComponent(UUID().uuidString + ".part")
        // Owner-only: a spool holds the app's data, and the temporary folder may be shared (Linux /tmp).
        guard FileManager.default.createFile(atPath: spool.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw TransportError("cannot create a spool file in \(folder.path)")
        }
        return spool
    }
}
