import CSiloChecksum

/// CRC-64/XZ (ECMA-182, reflected), the checksum OSS returns as `x-oss-hash-crc64ecma`.
///
/// It runs inline on every upload and download, so it is folded 64 bytes at a time with carry-less
/// multiplication where the CPU has it (CSiloChecksum), and computed with slice-by-8 tables elsewhere and for
/// the last bytes.
public struct CRC64: Sendable, Hashable {
    public private(set) var value: UInt64

    /// Starts a checksum, optionally continuing from the CRC of earlier bytes.
    public init(continuing previous: UInt64 = 0) {
        self.value = previous
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(buffer: UnsafeRawBufferPointer($0)) }
        if done == nil {
            var crc = ~value
            for byte in bytes {
                crc = CRC64Tables.shared.slices[Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8)
            }
            value = ~crc
        }
    }

    public mutating func update(buffer: UnsafeRawBufferPointer) {
        guard !buffer.isEmpty else { return }
        value = ~(Self.canFold ? Self.folded(~value, buffer) : Self.table(~value, buffer))
    }

    /// Whether this CPU folds with carry-less multiplication.
    static let canFold = silo_crc64_fold_available() != 0

    /// Below this, folding's setup and its final 16 bytes through the tables cost more than they save.
    static let foldThreshold = 128

    /// The CRC register (before its final inversion) after `buffer`: whole 16-byte blocks folded, the folded 16
    /// bytes and the tail through the tables.
    static func folded(_ register: UInt64, _ buffer: UnsafeRawBufferPointer) -> UInt64 {
        guard buffer.count >= foldThreshold, let base = buffer.baseAddress else { return table(register, buffer) }
        let blocks = buffer.count / 16
        var folded: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &folded) { out in
            silo_crc64_fold(register, base.assumingMemoryBound(to: UInt8.self), blocks,
                            out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        let crc = withUnsafeBytes(of: &folded) { table(0, $0) }
        return table(crc, UnsafeRawBufferPointer(rebasing: buffer[(blocks * 16)...]))
    }

    /// The CRC register after `buffer`, from slice-by-8 tables.
    static func table(_ register: UInt64, _ buffer: UnsafeRawBufferPointer) -> UInt64 {
        // One flat table read through a raw pointer: no bounds checks or nested-array hops in the hot loop.
        let t = CRC64Tables.shared.slices
        var crc = register
        var index = 0
        let count = buffer.count
        while count - index >= 8 {
            let word = crc ^ UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            crc = t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                ^ t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                ^ t[1 * 256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
            index += 8
        }
        while index < count {
            crc = t[Int((crc ^ UInt64(buffer[index])) & 0xFF)] ^ (crc >> 8)
            index += 1
        }
        return crc
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }

    /// CRC of `A‖B` from CRC(A), CRC(B) and len(B), without the bytes (zlib's crc32_combine, in 64 bits).
    ///
    /// Appending `n` zero bytes is a linear map; the maps for `2^k` bytes are precomputed, so a combine costs
    /// one matrix-vector product per set bit of `n` instead of zlib's repeated squaring.
    public static func combine(_ crc1: UInt64, _ crc2: UInt64, length2: UInt64) -> UInt64 {
        var crc = crc1
        var remaining = length2
        var power = 0
        while remaining != 0 {
            if remaining & 1 != 0 { crc = times(CRC64Tables.shared.zeroBytePowers[power], crc) }
            remaining >>= 1
            power += 1
        }
        return crc ^ crc2
    }

    static func times(_ matrix: [UInt64], _ vector: UInt64) -> UInt64 {
        var sum: UInt64 = 0
        var vec = vector
        var index = 0
        while vec != 0 {
            if vec & 1 != 0 { sum ^= matrix[index] }
            vec >>= 1
            index += 1
        }
        return sum
    }

    static func square(_ matrix: [UInt64]) -> [UInt64] {
        matrix.map { times(matrix, $0) }
    }
}

enum CRC64Tables {
    static let reflectedPolynomial: UInt64 = 0xC96C_5795_D787_0F42

    struct Tables: @unchecked Sendable {
        /// Slice-by-8: table `k` at `k * 256`. Allocated once and never freed or written after setup.
        let slices: UnsafePointer<UInt64>
        /// `zeroBytePowers[k]` maps a CRC to the CRC after appending `2^k` zero bytes.
        let zeroBytePowers: [[UInt64]]
    }

    static let shared: Tables = {
        let slices = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * 256)
        for n in 0..<256 {
            var crc = UInt64(n)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1
            }
            slices[n] = crc
        }
        for n in 0..<256 {
            var crc = slices[n]
            for k in 1..<8 {
                crc = slices[Int(crc & 0xFF)] ^ (crc >> 8)
                slices[k * 256 + n] = crc
            }
        }
        // One zero bit: column 0 is the polynomial, column n shifts bit n down to n-1.
        var oneBit = [UInt64](repeating: 0, count: 64)
        oneBit[0] = reflectedPolynomial
        for n in 1..<64 { oneBit[n] = 1 << (n - 1) }
        var power = CRC64.square(CRC64.square(CRC64.square(oneBit)))  // 2, 4, then 8 zero bits: one byte
        var powers: [[UInt64]] = []
        for _ in 0..<64 {
            powers.append(power)
            power = CRC64.square(power)
        }
        return Tables(slices: UnsafePointer(slices), zeroBytePowers: powers)
    }()
}
