import Foundation
import SiloIAM
import Testing

@Suite struct Base64URLTests {
    @Test func roundTripsEveryLengthAndMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(encoded == foundation)
            #expect(Base64URL.decode(encoded) == bytes)
        }
    }

    @Test(arguments: ["a", "ab+c", "ab/c", "abc=", "A B", "AB", "AAB"])
    func rejectsNonCanonicalOrForeignText(text: String) {
        // "AB" and "AAB" carry non-zero padding bits: a second spelling of the same bytes.
        #expect(Base64URL.decode(text) == nil)
    }
}
