#if canImport(Glibc)
import Glibc
#endif

/// glibc serves allocations above 128 KiB with fresh mmap'd pages, zero-filled on first touch and unmapped on
/// free. Every 1 MiB object read paid that twice (measured: about a tenth of a 1 MiB GET's CPU); keeping such
/// buffers in the heap lets them be reused.
enum MemoryTuning {
    // From <malloc.h>, which Swift's Glibc module does not import.
    private static let mmapThreshold: Int32 = -3
    private static let trimThreshold: Int32 = -1

    static func apply() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(mmapThreshold, 32 * 1024 * 1024)
        _ = mallopt(trimThreshold, 128 * 1024 * 1024)
        #endif
    }
}
