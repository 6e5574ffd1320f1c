import Testing

@testable import SiloCore

/// The query parser every front end uses: wire order, `+` as space, empty pieces skipped, malformed escapes
/// refused, multi-byte characters intact.
@Suite struct QueryParametersTests {
    func pairs(_ raw: String) -> [[String]]? {
        QueryParameters(parsing: Substring(raw)).map { $0.items.map { [$0.name, $0.value] } }
    }

    @Test func splitsPairsInWireOrder() {
        #expect(pairs("b=2&a=1&acl") == [["b", "2"], ["a", "1"], ["acl", ""]])
        #expect(pairs("") == [])
        #expect(pairs("&&x=1&&") == [["x", "1"]])
        #expect(pairs("a=&=b") == [["a", ""], ["", "b"]])
        #expect(pairs("a=b=c") == [["a", "b=c"]])
    }

    @Test func decodesEscapesAndPlus() {
        #expect(pairs("Policy=%7B%22a%22%3A1%7D&n+m=x+y%2B") == [["Policy", "{\"a\":1}"], ["n m", "x y+"]])
        #expect(pairs("k=%E4%B8%AD&%C3%BC=1") == [["k", "中"], ["ü", "1"]])
        #expect(pairs("k=中&ü=é") == [["k", "中"], ["ü", "é"]])
    }

    @Test func refusesMalformedEscapes() {
        #expect(pairs("a=%zz") == nil)
        #expect(pairs("a=%4") == nil)
        #expect(pairs("%=1") == nil)
        #expect(pairs("a=%FF") == nil)
    }

    @Test func parsesASubstringInsideALargerString() {
        let url = "/path?x=1&y=%20#frag"
        let start = url.firstIndex(of: "?")!
        let end = url.firstIndex(of: "#")!
        let query = url[url.index(after: start)..<end]
        #expect(QueryParameters(parsing: query)?.items.map(\.value) == ["1", " "])
    }
}
