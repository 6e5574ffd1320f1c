@testable import SiloHTTP
import Testing

/// Request ids: OSS's shape (24 upper-case hex characters) and never the same twice in a process.
@Suite struct RequestIdentifierTests {
    @Test func theLayoutIsSecondTagThenCount() {
        #expect(RequestIdentifier.make(second: 0x6750_ABCD, tag: 0xFF12_3456, sequence: 0x12_3456_789A)
            == "6750ABCD123456123456789A")
        // The count wraps within its 5 bytes rather than spilling into the tag.
        #expect(RequestIdentifier.make(second: 1, tag: 2, sequence: 0x1_00_0000_0003) == "000000010000020000000003")
    }

    @Test func idsAreUniqueAndShapedLikeOSSs() {
        let ids = (0..<20_000).map { _ in RequestIdentifier.make() }
        #expect(Set(ids).count == ids.count)
        let hex = Set("0123456789ABCDEF")
        #expect(ids.allSatisfy { $0.count == 24 && $0.allSatisfy(hex.contains) })
    }
}
