import Foundation

/// One range of a download's temporary file, written in order from its offset and synced at the end. Network
/// chunks are small, so they gather in one reused 1 MiB buffer, written whole: most of the system calls are
/// saved, and no buffer is allocated per batch. The writes and the sync block (the sync above all), so they run
/// through `BlockingIO`; one task uses a sink at a time, each call awaited before the next.
final class RangeSink: @unchecked Sendable {
    static let batchSize = 1 << 20
    private let handle: FileHandle
    private var pending = Data()

    init(_ file: URL, at offset: Int64) throws {
        handle = try FileHandle(forWritingTo: file)
        do {
            try handle.seek(toOffset: UInt64(offset))
        } catch {
            try? handle.close()
            throw error
        }
        pending.reserveCapacity(Self.batchSize)
    }

    /// Gathers a chunk; true when a batch is full and `flush()` is due.
    func gather(_ chunk: Data) -> Bool {
        pending.append(chunk)
        return pending.count >= Self.batchSize
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is gathered and syncs the range; after it the range counts as on disk.
    func finish() throws {
        try flush()
        try handle.synchronize()
    }

    deinit { try? handle.close() }
}
