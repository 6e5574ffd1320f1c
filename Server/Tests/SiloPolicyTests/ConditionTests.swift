import Testing

@testable import SiloPolicy

/// Every operator, with a matching and a non-matching request, plus absent keys.
@Suite struct ConditionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let op: ConditionOperator, values: [String], request: [String]?, expected: Bool
        var testDescription: String { "\(op.rawValue) \(values) vs \(request ?? ["<absent>"]) -> \(expected)" }
        init(_ op: ConditionOperator, _ values: [String], _ request: [String]?, _ expected: Bool) {
            self.op = op
            self.values = values
            self.request = request
            self.expected = expected
        }
    }

    static let cases: [Case] = [
        Case(.stringEquals, ["a", "b"], ["b"], true), Case(.stringEquals, ["a"], ["A"], false),
        Case(.stringEquals, ["a"], nil, false), Case(.stringEquals, [""], [""], true),
        Case(.stringNotEquals, ["a"], ["b"], true), Case(.stringNotEquals, ["a", "b"], ["b"], false),
        Case(.stringNotEquals, ["a"], nil, true),
        Case(.stringEqualsIgnoreCase, ["Hello"], ["hELLO"], true), Case(.stringEqualsIgnoreCase, ["a"], ["b"], false),
        Case(.stringEqualsIgnoreCase, ["a"], nil, false),
        Case(.stringNotEqualsIgnoreCase, ["Hello"], ["HELLO"], false), Case(.stringNotEqualsIgnoreCase, ["a"], ["b"], true),
        Case(.stringNotEqualsIgnoreCase, ["a"], nil, true),
        Case(.stringLike, ["user1/*"], ["user1/photos/"], true), Case(.stringLike, ["user1/*"], ["user2/"], false),
        Case(.stringLike, ["?"], ["x"], true), Case(.stringLike, ["a*"], nil, false),
        Case(.stringNotLike, ["user1/*"], ["user2/x"], true), Case(.stringNotLike, ["user1/*"], ["user1/x"], false),
        Case(.stringNotLike, ["a*"], nil, true),
        Case(.numericEquals, ["10"], ["10.0"], true), Case(.numericEquals, ["10"], ["11"], false),
        Case(.numericEquals, ["10"], ["ten"], false), Case(.numericEquals, ["10"], nil, false),
        Case(.numericNotEquals, ["10"], ["11"], true), Case(.numericNotEquals, ["10"], ["10"], false),
        Case(.numericNotEquals, ["10"], nil, true),
        Case(.numericLessThan, ["10"], ["9.5"], true), Case(.numericLessThan, ["10"], ["10"], false),
        Case(.numericLessThanEquals, ["10"], ["10"], true), Case(.numericLessThanEquals, ["10"], ["10.1"], false),
        Case(.numericGreaterThan, ["10"], ["11"], true), Case(.numericGreaterThan, ["10"], ["10"], false),
        Case(.numericGreaterThanEquals, ["10"], ["10"], true), Case(.numericGreaterThanEquals, ["10"], ["-1"], false),
        Case(.numericGreaterThan, ["10"], nil, false),
        Case(.dateEquals, ["2025-01-01T08:00:00+08:00"], ["2025-01-01T00:00:00Z"], true),
        Case(.dateEquals, ["2025-01-01T00:00:00Z"], ["2025-01-01T00:00:01Z"], false),
        Case(.dateNotEquals, ["2025-01-01T00:00:00Z"], ["2025-01-02T00:00:00Z"], true),
        Case(.dateNotEquals, ["2025-01-01T00:00:00Z"], ["2025-01-01T00:00:00.000Z"], false),
        Case(.dateNotEquals, ["2025-01-01T00:00:00Z"], nil, true),
        Case(.dateLessThan, ["2025-01-01T00:00:00Z"], ["2024-12-31T23:59:59Z"], true),
        Case(.dateLessThan, ["2025-01-01T00:00:00Z"], ["2025-01-01T00:00:00Z"], false),
        Case(.dateLessThanEquals, ["2025-01-01T00:00:00Z"], ["2025-01-01T00:00:00Z"], true),
        Case(.dateLessThanEquals, ["2019-08-12T17:00:00+08:00"], ["2019-08-12T09:00:01Z"], false),
        Case(.dateGreaterThan, ["2025-01-01T00:00:00Z"], ["2025-06-01T00:00:00Z"], true),
        Case(.dateGreaterThan, ["2025-01-01T00:00:00Z"], ["2024-06-01T00:00:00Z"], false),
        Case(.dateGreaterThanEquals, ["2025-01-01T00:00:00-01:00"], ["2025-01-01T01:00:00Z"], true),
        Case(.dateGreaterThanEquals, ["2025-01-01T00:00:00Z"], ["2024-12-31T23:00:00Z"], false),
        Case(.dateLessThan, ["2025-01-01T00:00:00Z"], nil, false),
        Case(.bool, ["true"], ["true"], true), Case(.bool, ["true"], ["false"], false), Case(.bool, ["TRUE"], ["true"], true),
        Case(.bool, ["false"], nil, false),
        Case(.ipAddress, ["10.0.0.0/8"], ["10.1.2.3"], true), Case(.ipAddress, ["10.0.0.0/8"], ["11.0.0.1"], false),
        Case(.ipAddress, ["192.168.1.7"], ["192.168.1.7"], true), Case(.ipAddress, ["192.168.1.0/25"], ["192.168.1.200"], false),
        Case(.ipAddress, ["0.0.0.0/0"], ["8.8.8.8"], true), Case(.ipAddress, ["10.0.0.0/8"], ["::ffff:10.0.0.1"], true),
        Case(.ipAddress, ["2001:db8::/32"], ["2001:db8:1::5"], true), Case(.ipAddress, ["2001:db8::/32"], ["2001:db9::1"], false),
        Case(.ipAddress, ["::1"], ["0:0:0:0:0:0:0:1"], true), Case(.ipAddress, ["10.0.0.0/8"], ["not-an-ip"], false),
        Case(.ipAddress, ["10.0.0.0/8"], nil, false),
        Case(.notIpAddress, ["10.0.0.0/8"], ["11.0.0.1"], true), Case(.notIpAddress, ["10.0.0.0/8"], ["10.9.9.9"], false),
        Case(.notIpAddress, ["10.0.0.0/8"], nil, true),
    ]

    @Test(arguments: cases)
    func holds(_ c: Case) {
        #expect(c.op.holds(request: c.request, condition: c.values) == c.expected)
    }

    @Test func everyOperatorIsCovered() {
        #expect(Set(Self.cases.map(\.op)) == Set(ConditionOperator.allCases))
    }
}
