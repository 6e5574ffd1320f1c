import Foundation
import SiloCore
import Testing

/// Silo's XML parser: bounded while it parses (issue 13, point 1), strict where XML is, lenient where OSS is.
@Suite struct XMLTreeTests {
    static let limits = XMLLimits(maxBytes: 1 << 20, maxDepth: 8, maxElements: 100)

    func parse(_ text: String, _ limits: XMLLimits = limits) throws(XMLTree.Failure) -> XMLElement {
        try XMLTree.parse(Array(text.utf8), limits: limits)
    }

    func failure(_ text: String, _ limits: XMLLimits = limits) -> XMLTree.Failure? {
        do {
            _ = try parse(text, limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func realDocumentsParse() throws {
        let delete = try parse(#"<?xml version="1.0" encoding="UTF-8"?><!-- hi --><Delete><Quiet>true</Quiet><Object><Key>a&lt;b &#x41;&#66;</Key></Object></Delete>"#)
        #expect(delete == XMLElement(name: "Delete", children: [
            XMLElement(name: "Quiet", text: "true"),
            XMLElement(name: "Object", text: "", children: [XMLElement(name: "Key", text: "a<b AB")]),
        ]))
        let namespaced = try parse(#"<d:Delete xmlns:d="urn:x" a='x>y'><d:Object><d:Key><![CDATA[<<>>]]></d:Key></d:Object><e/></d:Delete>"#)
        #expect(namespaced.name == "Delete" && namespaced.children.map(\.name) == ["Object", "e"])
        #expect(namespaced.children[0].children[0].text == "<<>>")
        // Keys keep their control characters and spaces, as OSS keeps them.
        let raw = try parse("<Delete><Object><Key> a\u{0C}b\t</Key></Object></Delete>")
        #expect(raw.children[0].children[0].text == " a\u{0C}b\t")
    }

    @Test func boundsHoldWhileParsing() {
        let deep = String(repeating: "<a>", count: 50_000) + String(repeating: "</a>", count: 50_000)
        #expect(failure(deep) == .tooDeep)
        #expect(failure("<r>" + String(repeating: "<o/>", count: 100) + "</r>") == .tooManyElements)
        #expect(failure("<r>" + String(repeating: "<o/>", count: 99) + "</r>") == nil)
        #expect(failure(#"<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>"#) == .doctype)
        #expect(failure("<d><!DOCTYPE x></d>") == .doctype)
        #expect(failure("<a>", XMLLimits(maxBytes: 2, maxDepth: 8, maxElements: 10)) == .tooLarge)
    }

    @Test(arguments: ["<a>", "</a>", "<a></b>", "<a></a></b>", "<a", "<!-- x", "<a><![CDATA[x</a>", "<?xml", "<a>&unknown;</a>",
                      "<a>&#0;</a>", "<a>&#xD800;</a>", "<a b=c></a>", "<a b='1' b='2'></a>", "<a></a><b></b>", "text",
                      "<a>\u{FF}</a>", "<a b='<'></a>", "<a><b></a></b>", "<1a></1a>", "<a>&lt</a>"])
    func malformedDocumentsFail(_ text: String) {
        var bytes = Array(text.utf8)
        if text == "<a>\u{FF}</a>" { bytes = [0x3C, 0x61, 0x3E, 0xFF, 0x3C, 0x2F, 0x61, 0x3E] }
        #expect(throws: XMLTree.Failure.self) { _ = try XMLTree.parse(bytes, limits: Self.limits) }
    }

    @Test func theAttackBodyIsMalformedXMLNotACrash() throws {
        let body = Array(("<Delete>" + String(repeating: "<Object>", count: 50_000) + "</Delete>").utf8)
        #expect(throws: OSSError.malformedXML) {
            _ = try XMLBody.decode(DeleteRequest.self, from: body, root: "Delete")
        }
        #expect(throws: XMLTree.Failure.tooDeep) {
            _ = try XMLResponse.decode(ListBucketV2Result.self, from: Data(body))
        }
    }

    @Test func documentsDecode() throws {
        let delete = try XMLBody.decode(DeleteRequest.self, from: Array(
            "<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b\u{0C}</Key></Object></Delete>".utf8),
            root: "Delete")
        #expect(delete.quiet && delete.objects.map(\.key) == ["a", "b\u{0C}"])
        #expect(throws: OSSError.malformedXML) {
            _ = try XMLBody.decode(DeleteRequest.self, from: Array("<Other/>".utf8), root: "Delete")
        }
        let cors = try XMLBody.decode(CORSConfiguration.self, from: Array(
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedOrigin>x</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds> 100 </MaxAgeSeconds></CORSRule></CORSConfiguration>".utf8),
            root: "CORSConfiguration")
        #expect(cors.rules.first?.allowedOrigins == ["*", "x"] && cors.rules.first?.maxAgeSeconds == 100)
        let style = try XMLBody.decode(PutStyleRequest.self, from: Array("<Style><Content/></Style>".utf8), root: "Style")
        #expect(style.content == "")
    }
}
