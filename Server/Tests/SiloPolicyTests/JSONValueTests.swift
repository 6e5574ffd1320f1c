import Foundation
import Testing

@testable import SiloPolicy

@Suite struct JSONValueTests {
    @Test(arguments: [
        (#"{"a":"b"}"#, JSONValue.object(["a": .string("b")])),
        (#" [1, -2.5e3, 0, true, false, null] "#, .array([.number("1"), .number("-2.5e3"), .number("0"), .bool(true), .bool(false), .null])),
        (#""\u4e2d\u6587\n\"\\\/\ud83d\ude00""#, .string("中文\n\"\\/😀")),
        (#"{"nested":{"list":[{"k":[]},{}]}}"#, .object(["nested": .object(["list": .array([.object(["k": .array([])]), .object([:])])])])),
        (#""中文 raw""#, .string("中文 raw")),
    ])
    func parses(text: String, expected: JSONValue) {
        #expect(JSONValue.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "'a'", "01", "1.", ".5", "-", "1e", "+1",
        "tru", "nul", "\"unterminated", "\"bad \\x escape\"", "\"\\ud800\"", "\"\\udc00\"", "\"tab\there\"",
        "{\"a\":1,\"a\":2}", "[1] [2]", "1 2", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func rejects(text: String) {
        #expect(JSONValue.parse(Array(text.utf8)) == nil)
    }

    @Test func rejectsInvalidUTF8() {
        #expect(JSONValue.parse([0x22, 0xFF, 0x22]) == nil)
    }

    @Test func agreesWithFoundationOnPolicies() throws {
        let samples = [
            #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject"],"Resource":["acs:oss:*:*:b/u/*"],"Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]},"NumericLessThan":{"x":5.5}}}]}"#,
            #"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Principal":{"RAM":["acs:ram::1:root"]}},"Version":"1"}"#,
        ]
        for sample in samples {
            let ours = try #require(JSONValue.parse(Array(sample.utf8)))
            let theirs = try JSONSerialization.jsonObject(with: Data(sample.utf8))
            #expect(Self.same(ours, theirs))
        }
    }

    static func same(_ value: JSONValue, _ other: Any) -> Bool {
        switch value {
        case .string(let text): return (other as? String) == text
        case .number(let text): return (other as? NSNumber)?.doubleValue == Double(text)
        case .bool(let flag): return (other as? Bool) == flag
        case .null: return other is NSNull
        case .array(let items):
            guard let list = other as? [Any], list.count == items.count else { return false }
            return zip(items, list).allSatisfy { same($0, $1) }
        case .object(let fields):
            guard let dictionary = other as? [String: Any], dictionary.count == fields.count else { return false }
            return fields.allSatisfy { key, item in dictionary[key].map { same(item, $0) } ?? false }
        }
    }
}
