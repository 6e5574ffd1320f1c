import Foundation

/// One range of a download's temporary file, written in order from its offset and synced at the end. Its
/// calls block (the sync above all), so they run through `BlockingIO`, by one task at a time.
final class RangeSink: @unchecked Sendable {
    private let handle: FileHandle

    init(_ file: URL, at offset: Int64) throws {
        handle = try FileHandle(forWritingTo: file)
        do {
            try handle.seek(toOffset: UInt64(offset))
        } catch {
            try? handle.close()
            throw error
        }
    }

    func write(_ bytes: Data) throws {
        try handle.write(contentsOf: bytes)
    }

    /// Writes the last bytes and syncs the range; after it the range counts as on disk.
    func finish(_ bytes: Data) throws {
        if !bytes.isEmpty { try handle.write(contentsOf: bytes) }
        try handle.synchronize()
    }

    deinit { try? handle.close() }
}
