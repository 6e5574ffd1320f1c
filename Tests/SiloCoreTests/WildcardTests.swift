import Testing

import SiloCore

@Suite struct WildcardTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let pattern: String, value: String, insensitive: Bool, expected: Bool
        var testDescription: String { "\(pattern) ~ \(value) -> \(expected)" }
        init(_ pattern: String, _ value: String, _ expected: Bool, insensitive: Bool = false) {
            self.pattern = pattern
            self.value = value
            self.expected = expected
            self.insensitive = insensitive
        }
    }

    static let cases: [Case] = [
        Case("*", "", true), Case("*", "anything/at/all", true), Case("", "", true), Case("", "a", false),
        Case("abc", "abc", true), Case("abc", "abcd", false), Case("abc", "ab", false), Case("a?c", "abc", true),
        Case("a?c", "ac", false), Case("a?c", "abbc", false), Case("a*c", "ac", true), Case("a*c", "abbbc", true),
        Case("a*c", "abbbd", false), Case("*c", "abc", true), Case("a*", "a", true), Case("**", "xyz", true),
        Case("a*b*c", "aXbYc", true), Case("a*b*c", "aXcYb", false), Case("bucket/*", "bucket/", true),
        Case("bucket/*", "bucket", false), Case("bucket/user1/*", "bucket/user1/a/b.jpg", true),
        Case("bucket/user1/*", "bucket/user10/a", false), Case("中文/*", "中文/文件", true), Case("?", "中", true),
        Case("*.jpg", "a.b.jpg", true), Case("*.jpg", "a.jpeg", false), Case("a*a*a", "aaaa", true),
        Case("oss:get*", "oss:GetObject", true, insensitive: true), Case("oss:get*", "oss:GetObject", false),
        Case("OSS:*", "oss:PutObject", true, insensitive: true),
    ]

    @Test(arguments: cases)
    func matches(_ c: Case) {
        #expect(Wildcard.matches(c.pattern, c.value, caseInsensitive: c.insensitive) == c.expected)
    }
}
