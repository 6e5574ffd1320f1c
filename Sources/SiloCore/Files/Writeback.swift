import Foundation

/// Starts the kernel writing a span of a file back to disk without waiting for it (Linux
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`); elsewhere nothing. A hint, never an error.
///
/// Bytes written in batches and synced at the end otherwise sit in the page cache until that sync, which then
/// writes them all while the thread that called it waits. Started batch by batch, the writeback overlaps the
/// rest of the transfer and the closing sync has little left: the server's PUTs and the SDK's ranged downloads
/// both land bytes this way.
public enum Writeback {
    public static func start(descriptor: Int32, offset: Int64, length: Int64) {
        #if os(Linux)
        guard length > 0 else { return }
        _ = syncFileRange?(descriptor, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */)
        #endif
    }

    #if os(Linux)
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    // Swift's Glibc module does not import sync_file_range (it needs _GNU_SOURCE); glibc exports it.
    private static let syncFileRange: SyncFileRange? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")
        .map { unsafeBitCast($0, to: SyncFileRange.self) }
    #endif
}
