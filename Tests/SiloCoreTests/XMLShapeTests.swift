import Foundation
import SiloCore
import Testing

/// Issue 13, point 1: documents are bounded before XMLCoder builds a tree.
@Suite struct XMLShapeTests {
    static let limits = XMLLimits(maxBytes: 1 << 20, maxDepth: 8, maxElements: 100)

    func verdict(_ text: String, _ limits: XMLLimits = limits) -> XMLShape.Violation? {
        do {
            try XMLShape.check(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func realDocumentsPass() {
        #expect(verdict(#"<?xml version="1.0" encoding="UTF-8"?><!-- hi --><Delete><Quiet>true</Quiet><Object><Key>a&lt;b</Key></Object></Delete>"#) == nil)
        #expect(verdict(#"<d:Delete xmlns:d="urn:x" a='x>y'><d:Object><d:Key><![CDATA[<<>>]]></d:Key></d:Object><e/></d:Delete>"#) == nil)
    }

    @Test func boundsAreEnforced() {
        let deep = String(repeating: "<a>", count: 20_000) + String(repeating: "</a>", count: 20_000)
        #expect(verdict(deep) == .tooDeep)
        #expect(verdict("<r>" + String(repeating: "<o/>", count: 100) + "</r>") == .tooManyElements)
        #expect(verdict("<r>" + String(repeating: "<o/>", count: 99) + "</r>") == nil)
        #expect(verdict(#"<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>"#) == .doctype)
        #expect(verdict("<a>", XMLLimits(maxBytes: 2, maxDepth: 8, maxElements: 10)) == .tooLarge)
        for broken in ["<a>", "</a>", "<a></a></b>", "<a", "<!-- x", "<a><![CDATA[x</a>", "<?xml"] {
            #expect(verdict(broken) != nil, "\(broken)")
        }
    }

    @Test func theAttackBodyIsMalformedXMLNotACrash() throws {
        let body = Array(("<Delete>" + String(repeating: "<Object>", count: 50_000) + "</Delete>").utf8)
        #expect(throws: OSSError.malformedXML) {
            _ = try XMLBody.decode(DeleteRequest.self, from: body, root: "Delete")
        }
        #expect(throws: XMLShape.Violation.tooDeep) {
            _ = try XMLResponse.decode(ListBucketV2Result.self, from: Data(body))
        }
    }
}
