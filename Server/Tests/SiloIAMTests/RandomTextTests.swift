import Foundation
import Testing

@testable import SiloIAM

/// Secrets and identifiers: the right length and alphabet, every letter about equally likely, never repeated.
@Suite struct RandomTextTests {
    @Test func drawsHaveTheirLengthAndAlphabet() {
        let letters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        for length in [0, 1, 7, 8, 9, 24, 44, 300] {
            let text = RandomText.alphanumeric(length)
            #expect(text.count == length)
            let strangers = text.filter { !letters.contains($0) }
            #expect(strangers.isEmpty)
        }
        for length in [1, 16, 18] {
            let number = RandomText.digits(length)
            #expect(number.count == length)
            let strangers = number.filter { !$0.isNumber }
            #expect(strangers.isEmpty)
            #expect(number.first != "0", "an account or role id never starts with a zero")
        }
    }

    /// 124,000 letters, 2,000 expected of each: a generator stuck on a value, a biased reduction or a block used
    /// twice would be far outside these bounds (a fair one leaves them about once in 10^20 runs).
    @Test func everyLetterIsAboutEquallyLikely() {
        var counts: [Character: Int] = [:]
        for _ in 0..<2_000 {
            for letter in RandomText.alphanumeric(62) { counts[letter, default: 0] += 1 }
        }
        #expect(counts.count == 62)
        let outside = counts.filter { !(1_600...2_400).contains($0.value) }
        #expect(outside.isEmpty, "letters drawn too rarely or too often: \(outside)")
    }

    @Test func secretsNeverRepeat() {
        let secrets = (0..<10_000).map { _ in RandomText.alphanumeric(24) }
        #expect(Set(secrets).count == secrets.count)
    }

    @Test func systemBytesFillTheirBlock() {
        let one = SystemRandomBytes.bytes(4096)
        let two = SystemRandomBytes.bytes(4096)
        #expect(one.count == 4096)
        #expect(one != two)
        #expect(Set(one).count > 200, "4096 random bytes take nearly all 256 values")
        #expect(SystemRandomBytes.bytes(0).isEmpty)
    }
}
