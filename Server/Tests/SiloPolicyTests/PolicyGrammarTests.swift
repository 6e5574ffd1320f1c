import Testing

@testable import SiloPolicy

@Suite struct PolicyGrammarTests {
    @Test func parsesTheMobileSamplePolicy() throws {
        let policy = try Policy(json: """
            {"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:ListParts","oss:AbortMultipartUpload"],
              "Resource":["acs:oss:*:*:app-base-oss/user1/*"]}]}
            """)
        #expect(policy.statements.count == 1)
        #expect(policy.statements[0].actions == .any(of: ["oss:PutObject", "oss:ListParts", "oss:AbortMultipartUpload"]))
        #expect(policy.statements[0].resources == .any(of: ["acs:oss:*:*:app-base-oss/user1/*"]))
    }

    @Test func singleValuesConditionsAndPrincipals() throws {
        let policy = try Policy(json: """
            {"Version":"1","Statement":{"Sid":"s","Effect":"Deny","NotAction":"oss:Get*","NotResource":"acs:oss:*:*:b/*",
              "Principal":{"RAM":"acs:ram::1:root"},
              "Condition":{"NumericLessThan":{"x:n":5},"Bool":{"acs:SecureTransport":false},"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}}}
            """)
        let statement = policy.statements[0]
        #expect(statement.sid == "s" && statement.effect == .deny)
        #expect(statement.actions == .noneOf(["oss:Get*"]))
        #expect(statement.principals == .typed(["RAM": ["acs:ram::1:root"]]))
        #expect(statement.conditions.contains(Condition(.bool, "acs:securetransport", ["false"])))
        #expect(statement.conditions.contains(Condition(.numericLessThan, "x:n", ["5"])))
    }

    @Test(arguments: [
        "", "[]", "{}", "not json", #"{"Version":"2","Statement":[]}"#,
        #"{"Version":"1"}"#, #"{"Version":"1","Statement":[]}"#, #"{"Version":1,"Statement":[]}"#,
        #"{"Version":"1","Statement":["x"]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Permit","Action":"oss:*","Resource":"*"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","NotAction":"oss:Get*","Resource":"*"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Actions":"oss:*"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"StringWhatever":{"k":"v"}}}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"NumericEquals":{"k":"abc"}}}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"DateLessThan":{"k":"yesterday"}}}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/33"}}}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"Bool":{"k":"yes"}}}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":"x"}]}"#,
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":[1]}]}"#,
        #"{"Version":"1","Extra":true,"Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#,
    ])
    func rejects(json: String) {
        #expect(throws: PolicyError.self) { try Policy(json: json) }
    }
}
