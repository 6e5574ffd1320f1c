import NIOConcurrencyHelpers
import NIOCore
import SiloCore

/// The bytes of small blobs, kept in memory after their first whole read.
///
/// A GET of a small object read its file with `openat`, `pread` and `close`, three system calls that cost more
/// than the copy they make. A blob's bytes never change once metadata names it (a write makes a new blob, an
/// append a new extent, and an id is never reused), so an entry cannot go stale; `restoreJournaled` (recovery,
/// before anything is served) and `delete` drop theirs anyway, so memory follows the files.
final class SmallBlobCache: Sendable {
    /// Past the budget the cache starts again empty (`ByteBudgetedTable`).
    let byteBudget: Int
    /// Only blobs up to this size are kept.
    let largestBlob: Int
    private let table: NIOLockedValueBox<ByteBudgetedTable<BlobID, ByteBuffer>>

    init(byteBudget: Int = 32 << 20, largestBlob: Int = 64 << 10) {
        self.byteBudget = byteBudget
        self.largestBlob = largestBlob
        self.table = NIOLockedValueBox(ByteBudgetedTable(byteBudget: byteBudget))
    }

    /// `range` of the object made of `extents`, when every piece of it is cached.
    func read(_ extents: [Extent], range: Range<Int64>) -> ByteBuffer? {
        // The common case, a whole small object in one extent, is answered without a copy.
        guard extents.count == 1, let extent = extents.first, extent.sealing == nil,
              range.lowerBound >= 0, range.upperBound <= extent.length,
              let bytes = table.withLockedValue({ $0[extent.blob] })
        else { return nil }
        let start = Int(extent.offset + range.lowerBound)
        guard start + range.count <= bytes.readableBytes else { return nil }
        return bytes.getSlice(at: bytes.readerIndex + start, length: range.count)
    }

    /// Keeps what a read of `range` returned when it was the whole of a small, unsealed, single-extent object
    /// that starts its blob (so the bytes are the blob's from its first).
    func keep(_ extents: [Extent], range: Range<Int64>, bytes: ByteBuffer) {
        guard extents.count == 1, let extent = extents.first, extent.sealing == nil, extent.offset == 0,
              range == 0..<extent.length, bytes.readableBytes == Int(extent.length),
              bytes.readableBytes <= largestBlob
        else { return }
        table.withLockedValue { $0.insert(bytes, bytes: bytes.readableBytes, at: extent.blob) }
    }

    func forget(_ blob: BlobID) {
        table.withLockedValue { $0.remove(blob) }
    }

    var count: Int { table.withLockedValue { $0.count } }
}
