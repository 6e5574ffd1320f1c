import Foundation
import SiloCore
import SiloPolicy

enum PolicyTargets {
    static let identity = PrincipalIdentity(accountId: "1234", ids: ["1234", "u1"], ramArns: ["acs:ram::1234:user/u"])
    static let requests = [
        RequestContext(action: "oss:GetObject", resource: "acs:oss:*:1234:b/users/alice/x.jpg", principal: identity,
                       values: ["acs:SourceIp": ["10.1.2.3"], "oss:Prefix": ["users/"]]),
        RequestContext(action: "oss:PutObject", resource: "acs:oss:*:1234:b/a", principal: nil),
        RequestContext(action: "sts:AssumeRole", resource: "acs:ram::1234:role/r", principal: identity),
    ]

    /// Parse, then evaluate as an identity, session and bucket policy: a policy that only denies never allows.
    static func policy(_ bytes: [UInt8]) {
        guard let policy = try? Policy(jsonBytes: bytes) else { return }
        let named = NamedPolicy("fuzzed", policy)
        let onlyDenies = policy.statements.allSatisfy { $0.effect == .deny }
        for request in requests {
            for input in [AuthorizationInput(identityPolicies: [named]),
                          AuthorizationInput(identityPolicies: [named], sessionPolicy: named),
                          AuthorizationInput(resourcePolicy: named)] {
                let decision = Authorizer.decide(input, request)
                if onlyDenies { precondition(!decision.allowed, "a deny-only policy allowed \(request)") }
                _ = decision.description
            }
            _ = policy.mayAllowAnonymous(request.action)
        }
    }

    /// A fuzzed `Condition` block, evaluated against fuzzed request values for every key it names.
    static func conditions(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let condition = input.string()
        let values = input.string().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let json = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":"# + condition + "}]}"
        guard let policy = try? Policy(json: json) else { return }
        for statement in policy.statements {
            var context: [String: [String]] = [:]
            for condition in statement.conditions { context[condition.key] = values }
            let request = RequestContext(action: "oss:GetObject", resource: "acs:oss:*:1:b/k", values: context)
            _ = statement.applies(to: request)
            _ = statement.applies(to: RequestContext(action: "oss:GetObject", resource: "acs:oss:*:1:b/k"))
        }
    }

    /// PostObject's policy: decode, then check against fuzzed fields; a length outside the policy's range never passes.
    static func postPolicy(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let encoded = input.string()
        guard let policy = try? PostPolicy(base64: encoded) else {
            _ = try? PostPolicy(json: Data(bytes))
            return
        }
        var fields: [String: String] = [:]
        while !input.isEmpty {
            let name = input.string()
            fields[name.lowercased()] = input.string()
        }
        let length = Int64(bytes.count)
        _ = try? policy.check(fields: fields, contentLength: length, now: 1_700_000_000)
        _ = policy.base64
    }
}
