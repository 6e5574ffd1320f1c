import Testing

@testable import SiloCore

/// Spec §11.1 vectors (computed with oss2's Crc64).
@Suite struct CRC64Tests {
    @Test(arguments: [
        ("", UInt64(0)),
        ("123456789", 11_051_210_869_376_104_954),
        ("hello world", 5_981_764_153_023_615_706),
        ("hello ", 1_796_661_072_844_795_914),
        ("world", 4_472_352_582_074_980_600),
        ("Anything you're good at contributes to happiness.", 108_247_482_078_852_440),
        ("line1\n", 17_856_904_023_843_314_350),
    ])
    func vectors(input: String, expected: UInt64) {
        #expect(CRC64.checksum(Array(input.utf8)) == expected)
        // The byte-at-a-time path agrees with the sliced one.
        #expect(CRC64.checksum(AnySequence(Array(input.utf8))) == expected)
    }

    @Test func combineHelloWorld() {
        #expect(CRC64.combine(1_796_661_072_844_795_914, 4_472_352_582_074_980_600, length2: 5) == 5_981_764_153_023_615_706)
    }

    @Test func multipartVector() {
        let a = [UInt8](repeating: UInt8(ascii: "a"), count: 102_400)
        let b = [UInt8](repeating: UInt8(ascii: "b"), count: 1000)
        let crcA = CRC64.checksum(a)
        let crcB = CRC64.checksum(b)
        #expect(crcA == 12_696_911_168_479_852_064)
        #expect(crcB == 16_208_029_625_697_213_207)
        #expect(CRC64.combine(crcA, crcB, length2: 1000) == 10_189_816_783_531_802_777)
        #expect(CRC64.checksum(a + b) == 10_189_816_783_531_802_777)
    }

    @Test func continuation() {
        var crc = CRC64()
        crc.update(Array("hello".utf8))
        #expect(crc.value == 11_177_612_005_948_864_433)
        crc.update(Array(" world".utf8))
        #expect(crc.value == 5_981_764_153_023_615_706)
        var resumed = CRC64(continuing: 11_177_612_005_948_864_433)
        resumed.update(Array(" world".utf8))
        #expect(resumed.value == 5_981_764_153_023_615_706)
    }

    @Test func combineMatchesDirectComputationAtManySplits() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = CRC64.checksum(data)
        for split in [0, 1, 7, 8, 9, 1000, 2999, 3000] {
            let left = CRC64.checksum(data[..<split])
            let right = CRC64.checksum(data[split...])
            #expect(CRC64.combine(left, right, length2: UInt64(3000 - split)) == whole)
        }
        #expect(CRC64.combine(whole, 0, length2: 0) == whole)
    }

    @Test func combineMatchesDirectComputationForMultiMebibyteTails() {
        // Tail lengths with high bits set exercise the precomputed powers far beyond the small splits above.
        var generator = SystemRandomNumberGenerator()
        let head = (0..<100).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for tailLength in [(1 << 20) + 7, (3 << 21) + 4097] {
            let tail = (0..<tailLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 11) }
            #expect(CRC64.combine(CRC64.checksum(head), CRC64.checksum(tail), length2: UInt64(tailLength))
                    == CRC64.checksum(head + tail))
        }
    }

    @Test func combineIsAssociativeAtMultiGibibyteLengths() {
        let a: UInt64 = 0x0123_4567_89AB_CDEF, b: UInt64 = 0xFEDC_BA98_7654_3210, c: UInt64 = 0x0F1E_2D3C_4B5A_6978
        let lengthB: UInt64 = 5 << 30 + 12_345, lengthC: UInt64 = 1 << 40 + 99
        #expect(CRC64.combine(CRC64.combine(a, b, length2: lengthB), c, length2: lengthC)
                == CRC64.combine(a, CRC64.combine(b, c, length2: lengthC), length2: lengthB + lengthC))
    }

    /// The folded path (carry-less multiplication) and the table path agree for every length around the fold's
    /// block boundaries, from any starting register, at any alignment: a wrong fold constant shows here.
    @Test func foldingAgreesWithTheTables() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1200).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { all in
            for offset in [0, 1, 7] {
                for length in Array(0...400) + [511, 512, 513, 1024, 1193] where offset + length <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    for register in [UInt64(0), ~0, 0x0123_4567_89AB_CDEF] {
                        #expect(CRC64.folded(register, slice) == CRC64.table(register, slice), "length \(length), offset \(offset)")
                    }
                }
            }
        }
        // Streaming in uneven pieces matches one pass, whichever path each piece takes.
        var streamed = CRC64()
        var start = 0
        for size in [3, 200, 64, 1, 500, 129] {
            streamed.update(bytes[start..<(start + size)])
            start += size
        }
        #expect(streamed.value == CRC64.checksum(bytes[0..<start]))
    }

    /// On an x86-64 CPU with PCLMULQDQ the fold is used, not silently skipped.
    @Test func theFoldRunsWhereTheCPUHasCarryLessMultiplication() throws {
        #if arch(x86_64) && os(Linux)
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(CRC64.canFold == flags.contains(" pclmulqdq"))
        #endif
    }
}
