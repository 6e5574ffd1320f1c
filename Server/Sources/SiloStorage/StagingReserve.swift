import Foundation

/// Empty staging files made ahead of the writes that will fill them, their directory entries already synced.
///
/// A new blob's directory entry must be durable before metadata names it. Made one at a time, each PUT paid a
/// directory sync on its own path (shared with the writers beside it, `DirectorySyncGroup`, but still one
/// journal commit to wait for). Made in batches ahead, one sync covers a batch and the PUT that takes a file
/// syncs only its data (`fdatasync`, which carries the file's new size) before the metadata commit.
///
/// The files are named as blobs, so once taken nothing else changes: publishing, reading and recovery see an
/// ordinary staged blob. Files still in reserve are not blobs yet: `allBlobs()` leaves them out, `release()`
/// removes them at shutdown, and after a crash recovery discards them as it discards any staged blob that
/// metadata does not name.
final class StagingReserve: @unchecked Sendable {
    /// Refilled once fewer than half of this many are left.
    let size: Int
    private let lock = NSLock()
    private var ready: [BlobID] = []
    private var refilling = false
    private var released = false

    init(size: Int) {
        self.size = size
    }

    /// A file to write, or nil when the reserve is empty (the writer then makes its own and syncs its entry).
    func take() -> BlobID? {
        lock.withLock { ready.popLast() }
    }

    /// The files waiting, which are not blobs.
    var waiting: Set<BlobID> {
        lock.withLock { Set(ready) }
    }

    /// How many files the caller should make now, or nil when no refill is due; after a number the caller must
    /// call `refilled(_:)` once, whatever happens.
    func claimRefill() -> Int? {
        lock.withLock {
            guard !released, !refilling, ready.count < size / 2 else { return nil }
            refilling = true
            return size - ready.count
        }
    }

    /// Adds files whose entries are durable; answers those to remove instead, when the reserve was released
    /// meanwhile.
    func refilled(_ made: [BlobID]) -> [BlobID] {
        lock.withLock {
            refilling = false
            if released { return made }
            ready.append(contentsOf: made)
            return []
        }
    }

    /// Stops refills and hands back the files waiting, for removal.
    func release() -> [BlobID] {
        lock.withLock {
            released = true
            defer { ready.removeAll() }
            return ready
        }
    }
}
