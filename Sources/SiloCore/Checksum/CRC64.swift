/// CRC-64/XZ (ECMA-182, reflected), the checksum OSS returns as `x-oss-hash-crc64ecma`.
///
/// Slice-by-8 tables keep it fast enough to run inline on every upload.
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
                crc = CRC64Tables.shared.table[0][Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8)
            }
            value = ~crc
        }
    }

    public mutating func update(buffer: UnsafeRawBufferPointer) {
        guard !buffer.isEmpty else { return }
        let t = CRC64Tables.shared.table
        var crc = ~value
        var index = 0
        let count = buffer.count
        while count - index >= 8 {
            let word = crc ^ UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            crc = t[7][Int(word & 0xFF)] ^ t[6][Int((word >> 8) & 0xFF)]
                ^ t[5][Int((word >> 16) & 0xFF)] ^ t[4][Int((word >> 24) & 0xFF)]
                ^ t[3][Int((word >> 32) & 0xFF)] ^ t[2][Int((word >> 40) & 0xFF)]
                ^ t[1][Int((word >> 48) & 0xFF)] ^ t[0][Int(word >> 56)]
            index += 8
        }
        while index < count {
            crc = t[0][Int((crc ^ UInt64(buffer[index])) & 0xFF)] ^ (crc >> 8)
            index += 1
        }
        value = ~crc
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }

    /// CRC of `A‖B` from CRC(A), CRC(B) and len(B), without the bytes (zlib's crc32_combine, in 64 bits).
    public static func combine(_ crc1: UInt64, _ crc2: UInt64, length2: UInt64) -> UInt64 {
        guard length2 > 0 else { return crc1 }
        var odd = [UInt64](repeating: 0, count: 64)
        var even = [UInt64](repeating: 0, count: 64)
        odd[0] = CRC64Tables.reflectedPolynomial
        var row: UInt64 = 1
        for n in 1..<64 {
            odd[n] = row
            row <<= 1
        }
        square(into: &even, odd)  // two zero bits
        square(into: &odd, even)  // four zero bits
        var crc = crc1
        var remaining = length2
        repeat {
            square(into: &even, odd)
            if remaining & 1 != 0 { crc = times(even, crc) }
            remaining >>= 1
            if remaining == 0 { break }
            square(into: &odd, even)
            if remaining & 1 != 0 { crc = times(odd, crc) }
            remaining >>= 1
        } while remaining != 0
        return crc ^ crc2
    }

    private static func times(_ matrix: [UInt64], _ vector: UInt64) -> UInt64 {
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

    private static func square(into result: inout [UInt64], _ matrix: [UInt64]) {
        for n in 0..<64 { result[n] = times(matrix, matrix[n]) }
    }
}

enum CRC64Tables {
    static let reflectedPolynomial: UInt64 = 0xC96C_5795_D787_0F42

    struct Tables: Sendable {
        let table: [[UInt64]]
    }

    static let shared: Tables = {
        var tables = [[UInt64]](repeating: [UInt64](repeating: 0, count: 256), count: 8)
        for n in 0..<256 {
            var crc = UInt64(n)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1
            }
            tables[0][n] = crc
        }
        for n in 0..<256 {
            var crc = tables[0][n]
            for k in 1..<8 {
                crc = tables[0][Int(crc & 0xFF)] ^ (crc >> 8)
                tables[k][n] = crc
            }
        }
        return Tables(table: tables)
    }()
}
