import CSiloRandom

/// Bytes from the operating system's cryptographic generator, a block in one call. Swift's
/// `SystemRandomNumberGenerator` (and swift-crypto's keys, built on it) asks the kernel for eight bytes a call;
/// getrandom(2) itself is not in Swift's Glibc module, hence the C call. No descriptor is kept open, so a
/// descriptor closed twice elsewhere in the process can never turn a secret's source into some other file.
enum SystemRandomBytes {
    static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, silo_fill_random(buffer.baseAddress, count) != 0 {
                fillEightAtATime(UnsafeMutableRawBufferPointer(buffer))
            }
            initialized = count
        }
    }

    /// The fallback where the system's block call is refused.
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
