import Testing

@testable import SiloCore

/// OSS's tag rules as `x-oss-tagging` and the `<Tagging>` body apply them.
@Suite struct ObjectTaggingTests {
    func code(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as OSSError {
            return "\(error.code) \(error.ec ?? "")"
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func parsesTheHeaderInOrderWithEscapes() throws {
        let tags = try ObjectTagSet.parseHeader("k1=v1&%20%2B/%20=%E4%B8%AD%E6%96%87&empty=&bare")
        #expect(tags.tags == [ResourceTag("k1", "v1"), ResourceTag(" +/ ", "中文"), ResourceTag("empty", ""), ResourceTag("bare", "")])
        #expect(try ObjectTagSet.parseHeader("") == ObjectTagSet())
        // `+` is a tag character, not a space.
        #expect(try ObjectTagSet.parseHeader("a+b=c+d").tags == [ResourceTag("a+b", "c+d")])
    }

    @Test func theHeaderFormRoundTrips() throws {
        let tags = try ObjectTagSet.validated([ResourceTag("+-.:", "_/"), ResourceTag("中文", "test++/"), ResourceTag("k", "")])
        #expect(try ObjectTagSet.parseHeader(tags.headerValue) == tags)
    }

    @Test func refusesWhatOSSRefuses() {
        #expect(code { try ObjectTagSet.parseHeader("aa=bb=cc") } == "InvalidTag 0010-00000219")
        #expect(code { try ObjectTagSet.parseHeader("=a&b=a") } == "InvalidTag 0010-00000217")
        #expect(code { try ObjectTagSet.parseHeader(String(repeating: "a", count: 129) + "=b") } == "InvalidTag 0010-00000209")
        #expect(code { try ObjectTagSet.parseHeader("a=" + String(repeating: "a", count: 257)) } == "InvalidTag 0010-00000214")
        #expect(code { try ObjectTagSet.parseHeader("a=b&a=b") } == "InvalidTag 0010-00000217")
        #expect(code { try ObjectTagSet.parseHeader("a=%25abc") } == "InvalidTag 0010-00000217")
        #expect(code { try ObjectTagSet.parseHeader("a=%zz") } == "InvalidTag 0010-00000219")
        #expect(code { try ObjectTagSet.parseHeader("a=b\nc") } == "InvalidTag 0010-00000217")
        let eleven = (0...10).map { "k\($0)=v" }.joined(separator: "&")
        #expect(code { try ObjectTagSet.parseHeader(eleven) } == "InvalidTag 0010-00000217")
        let ten = (0..<10).map { "k\($0)=v" }.joined(separator: "&")
        #expect(code { try ObjectTagSet.parseHeader(ten) } == nil)
        #expect(code { try ObjectTagSet.parseHeader(String(repeating: "a", count: 128) + "=" + String(repeating: "b", count: 256)) } == nil)
    }

    @Test func theDocumentDecodesAndRenders() throws {
        let body = Array("""
            <Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag>\
            <Tag><Key>c</Key></Tag></TagSet></Tagging>
            """.utf8)
        let document = try XMLBody.decode(TaggingDocument.self, from: body, root: "Tagging",
                                          maxElements: TaggingDocument.maxElements)
        #expect(document.tags == [ResourceTag("a", "1"), ResourceTag("b", ""), ResourceTag("c", "")])
        let rendered = String(decoding: TaggingDocument([ResourceTag("k", "v & w")]).xmlBytes(), as: UTF8.self)
        #expect(rendered.contains("<Tagging><TagSet><Tag><Key>k</Key><Value>v &amp; w</Value></Tag></TagSet></Tagging>"))
        // An empty set is still a document with a TagSet, as GetObjectTagging answers for an untagged object.
        #expect(String(decoding: TaggingDocument([]).xmlBytes(), as: UTF8.self).contains("<Tagging><TagSet></TagSet></Tagging>"))
    }

    @Test func bucketTagsFollowTheirOwnRules() {
        // Any UTF-8 is allowed in bucket tags, unlike object tags.
        #expect(code { try BucketTagSet.validated([ResourceTag("%@abc", "abc"), ResourceTag("123++", "++123%")]) } == nil)
        #expect(code { try BucketTagSet.validated([ResourceTag("k", String(repeating: "v", count: 128))]) } == nil)
        #expect(code { try BucketTagSet.validated([ResourceTag(String(repeating: "k", count: 65), "v")]) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated([ResourceTag("k", String(repeating: "v", count: 129))]) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated([ResourceTag("Aliyun-x", "v")]) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated([ResourceTag("k", "https://x")]) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated([ResourceTag("", "v")]) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated([ResourceTag("k", "a"), ResourceTag("k", "b")]) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated((0...20).map { ResourceTag("k\($0)", "v") }) } == "InvalidTag 0010-00000219")
        #expect(code { try BucketTagSet.validated((0..<20).map { ResourceTag("k\($0)", "v") }) } == nil)
    }

    @Test func aBodyOfManyTagsIsRefusedBeforeDecoding() {
        let many = "<Tagging><TagSet>" + String(repeating: "<Tag><Key>k</Key><Value>v</Value></Tag>", count: 50)
            + "</TagSet></Tagging>"
        #expect(code { try XMLBody.decode(TaggingDocument.self, from: Array(many.utf8), root: "Tagging",
                                          maxElements: TaggingDocument.maxElements) } == "MalformedXML ")
    }
}
