#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes from the operating system's cryptographic generator, a block in one call. Swift's
/// `SystemRandomNumberGenerator` (and swift-crypto's keys, built on it) asks the kernel for eight bytes a call.
enum SystemRandomBytes {
    static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            if !fillFromSystem(raw) { fillEightAtATime(raw) }
            initialized = count
        }
    }

    #if canImport(Darwin)
    private static func fillFromSystem(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        if let base = buffer.baseAddress { arc4random_buf(base, buffer.count) }
        return true
    }
    #else
    /// Linux's getrandom(2) is not in the Glibc module; /dev/urandom, opened once, gives the same bytes (the
    /// kernel's CSPRNG) in one read(2) per block.
    private static let urandom: Int32 = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    private static func fillFromSystem(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard urandom >= 0, let base = buffer.baseAddress else { return buffer.isEmpty }
        var filled = 0
        while filled < buffer.count {
            let result = read(urandom, base + filled, buffer.count - filled)
            if result > 0 {
                filled += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
    #endif

    /// The fallback where the system's block source is unavailable.
    private static func fillEightAtATime(_ buffer: UnsafeMutableRawBufferPointer) {
        var generator = SystemRandomNumberGenerator()
        var offset = 0
        while offset < buffer.count {
            var word = generator.next() as UInt64
            for _ in 0..<8 where offset < buffer.count {
                buffer[offset] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                offset += 1
            }
        }
    }
}
