#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The encoded bytes of a source image: in memory, or a read-only mapping of the file that holds them, so a
/// 20 MB source is never copied into the process before libvips or libjpeg reads it.
public final class ImageSource: @unchecked Sendable {
    private enum Storage {
        case buffer(ByteBuffer)
        case mapping(base: UnsafeMutableRawPointer, length: Int, slack: Int)
    }

    private let storage: Storage

    public init(_ buffer: ByteBuffer) {
        storage = .buffer(buffer)
    }

    /// Maps `length` bytes at `offset` of the open file; nil when mapping fails (the caller reads instead).
    /// The descriptor may be closed afterwards.
    public init?(descriptor: Int32, offset: Int64, length: Int) {
        guard length > 0 else { return nil }
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = offset - offset % page
        let slack = Int(offset - aligned)
        #if canImport(Glibc)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let base = mmap(nil, length + slack, PROT_READ, flags, descriptor, off_t(aligned))
        guard let base, base != MAP_FAILED else { return nil }
        storage = .mapping(base: base, length: length, slack: slack)
    }

    deinit {
        if case .mapping(let base, let length, let slack) = storage { munmap(base, length + slack) }
    }

    public var count: Int {
        switch storage {
        case .buffer(let buffer): buffer.readableBytes
        case .mapping(_, let length, _): length
        }
    }

    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        switch storage {
        case .buffer(let buffer): return buffer.withUnsafeReadableBytes(body)
        case .mapping(let base, let length, let slack): return body(UnsafeRawBufferPointer(start: base + slack, count: length))
        }
    }
}
