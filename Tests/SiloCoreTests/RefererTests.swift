import Testing

@testable import SiloCore

/// Hotlink protection: which Referer values a bucket's configuration lets through.
@Suite struct RefererTests {
    @Test func whitelistsWildcardsAndTheEmptyReferer() {
        let config = RefererConfiguration(allowEmptyReferer: false, referers: ["https://*.example.com", "http://app?.cn"])
        #expect(config.allows(referer: "https://img.example.com/a.jpg?x=1") == false)  // the path is part of the match
        #expect(config.allows(referer: "https://img.example.com"))
        #expect(config.allows(referer: "HTTPS://IMG.EXAMPLE.COM"))
        #expect(config.allows(referer: "http://app1.cn"))
        #expect(!config.allows(referer: "http://app12.cn"))
        #expect(!config.allows(referer: "https://evil.com"))
        #expect(!config.allows(referer: nil))
        #expect(!config.allows(referer: ""))
        #expect(RefererConfiguration.allowAll.allows(referer: nil) && RefererConfiguration.allowAll.allows(referer: "x"))
    }

    @Test func queryStringsAndPathsAreTruncatedWhenConfigured() {
        var config = RefererConfiguration(allowEmptyReferer: true, referers: ["https://example.com/page"])
        #expect(config.allows(referer: "https://example.com/page?utm=1"))
        config.allowTruncateQueryString = false
        #expect(!config.allows(referer: "https://example.com/page?utm=1"))
        config = RefererConfiguration(allowEmptyReferer: true, truncatePath: true, referers: ["https://example.com"])
        #expect(config.allows(referer: "https://example.com/any/page?x"))
    }

    @Test func theBlacklistWinsAndAnEmptyWhitelistAllowsTheRest() {
        let config = RefererConfiguration(allowEmptyReferer: true, referers: [], blacklist: ["*.bad.com*"])
        #expect(!config.allows(referer: "http://x.bad.com/p"))
        #expect(config.allows(referer: "http://good.com"))
        #expect(config.allows(referer: nil))
    }

    @Test func manyStarsStayLinear() {
        let pattern = String(repeating: "*a", count: 200) + "b"
        let subject = Substring(String(repeating: "a", count: 4000))
        #expect(!RefererConfiguration.matches(pattern: pattern, subject))
    }

    @Test func theDocumentRoundTrips() throws {
        let config = RefererConfiguration(allowEmptyReferer: false, allowTruncateQueryString: false,
                                          referers: ["阿里云", "http://a.com"], blacklist: ["http://b.com"])
        let decoded = try XMLBody.decode(RefererConfiguration.self, from: config.xmlBytes(), root: "RefererConfiguration",
                                         maxElements: RefererConfiguration.maxElements)
        #expect(decoded == config)
        #expect(throws: OSSError.self) {
            try XMLBody.decode(RefererConfiguration.self, from: Array("<RefererConfiguration/>".utf8),
                               root: "RefererConfiguration")
        }
    }
}
