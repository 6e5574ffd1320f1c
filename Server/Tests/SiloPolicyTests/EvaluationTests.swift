import Testing

@testable import SiloPolicy

/// Action and resource matching, condition logic, Deny precedence, session intersection, bucket policy with ACL:
/// each case is one request against one set of policies.
@Suite struct EvaluationTests {
    static let account = "1234567890123456"

    static func policy(_ json: String) -> Policy {
        do { return try Policy(json: json) } catch { fatalError("bad fixture policy: \(error)") }
    }

    static func allow(_ actions: String, _ resources: String, condition: String? = nil) -> Policy {
        policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":\#(actions),"Resource":\#(resources)\#(condition.map { ",\"Condition\":" + $0 } ?? "")}]}"#)
    }

    static func deny(_ actions: String, _ resources: String, condition: String? = nil) -> Policy {
        policy(#"{"Version":"1","Statement":[{"Effect":"Deny","Action":\#(actions),"Resource":\#(resources)\#(condition.map { ",\"Condition\":" + $0 } ?? "")}]}"#)
    }

    static func object(_ bucket: String, _ key: String) -> String { "acs:oss:*:\(account):\(bucket)/\(key)" }
    static func bucket(_ bucket: String) -> String { "acs:oss:*:\(account):\(bucket)" }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let input: AuthorizationInput
        let request: RequestContext
        let allowed: Bool
        var testDescription: String { name }
    }

    static func user(_ policies: [Policy], _ action: String, _ resource: String, values: [String: [String]] = [:],
                     _ allowed: Bool, _ name: String) -> Case {
        Case(name: name, input: AuthorizationInput(identityPolicies: policies.enumerated().map { NamedPolicy("p\($0)", $1) }),
             request: RequestContext(action: action, resource: resource, values: values), allowed: allowed)
    }

    static let matching: [Case] = [
        user([allow(#""oss:GetObject""#, #""*""#)], "oss:GetObject", object("b", "k"), true, "exact action, any resource"),
        user([allow(#""oss:GetObject""#, #""*""#)], "oss:PutObject", object("b", "k"), false, "other action"),
        user([allow(#""oss:*""#, #""*""#)], "oss:DeleteBucket", bucket("b"), true, "service wildcard"),
        user([allow(#""*""#, #""*""#)], "oss:PutObject", object("b", "k"), true, "global wildcard"),
        user([allow(#""oss:Get*""#, #""*""#)], "oss:GetObjectAcl", object("b", "k"), true, "prefix wildcard action"),
        user([allow(#""oss:Get*""#, #""*""#)], "oss:PutObject", object("b", "k"), false, "prefix wildcard misses"),
        user([allow(#""OSS:getobject""#, #""*""#)], "oss:GetObject", object("b", "k"), true, "action case-insensitive"),
        user([allow(#""oss:Get?bject""#, #""*""#)], "oss:GetObject", object("b", "k"), true, "single-char action wildcard"),
        user([allow(#""sts:*""#, #""*""#)], "oss:GetObject", object("b", "k"), false, "other service"),
        user([allow(#"["oss:PutObject","oss:GetObject"]"#, #""*""#)], "oss:GetObject", object("b", "k"), true, "action list"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/*""#)], "oss:GetObject", object("b", "k"), true, "bucket objects"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/*""#)], "oss:ListObjects", bucket("b"), false, "b/* does not cover the bucket"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b""#)], "oss:ListObjects", bucket("b"), true, "bucket resource"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b""#)], "oss:GetObject", object("b", "k"), false, "bucket resource is not its objects"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/user1/*""#)], "oss:PutObject", object("b", "user1/a.jpg"), true, "user prefix"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/user1/*""#)], "oss:PutObject", object("b", "user10/a.jpg"), false, "prefix boundary"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/user1/*""#)], "oss:PutObject", object("b", "test.txt"), false, "outside prefix"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/user1/*""#)], "oss:PutObject", object("c", "user1/a"), false, "other bucket"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:B/*""#)], "oss:PutObject", object("b", "k"), false, "resource case-sensitive"),
        user([allow(#""oss:*""#, #""acs:oss:*:\#(account):b/*""#)], "oss:PutObject", object("b", "k"), true, "explicit account"),
        user([allow(#""oss:*""#, #""acs:oss:*:999:b/*""#)], "oss:PutObject", object("b", "k"), false, "other account"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/*.jpg""#)], "oss:PutObject", object("b", "x/y.jpg"), true, "suffix pattern"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:b/*.jpg""#)], "oss:PutObject", object("b", "x/y.png"), false, "suffix pattern misses"),
        user([allow(#""oss:*""#, #"["acs:oss:*:*:a/*","acs:oss:*:*:b/*"]"#)], "oss:PutObject", object("b", "k"), true, "resource list"),
        user([allow(#""oss:*""#, #""acs:oss:*:*:中文/*""#)], "oss:PutObject", object("中文", "文件"), true, "unicode resource"),
        user([], "oss:GetObject", object("b", "k"), false, "no policies"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"oss:Delete*","Resource":"*"}]}"#)],
             "oss:GetObject", object("b", "k"), true, "NotAction allows others"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"oss:Delete*","Resource":"*"}]}"#)],
             "oss:DeleteObject", object("b", "k"), false, "NotAction excludes"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","NotResource":"acs:oss:*:*:secret/*"}]}"#)],
             "oss:GetObject", object("b", "k"), true, "NotResource allows others"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","NotResource":"acs:oss:*:*:secret/*"}]}"#)],
             "oss:GetObject", object("secret", "k"), false, "NotResource excludes"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Deny","NotAction":"oss:Get*","Resource":"*"},{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#)],
             "oss:PutObject", object("b", "k"), false, "Deny NotAction denies writes"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Deny","NotAction":"oss:Get*","Resource":"*"},{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#)],
             "oss:GetObject", object("b", "k"), true, "Deny NotAction leaves reads"),
    ]

    static let conditions: [Case] = [
        user([allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#, condition: #"{"StringLike":{"oss:Prefix":["user1/*"]}}"#)],
             "oss:ListObjects", bucket("b"), values: ["oss:Prefix": ["user1/photos/"]], true, "listing inside prefix"),
        user([allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#, condition: #"{"StringLike":{"oss:Prefix":["user1/*"]}}"#)],
             "oss:ListObjects", bucket("b"), values: ["oss:Prefix": [""]], false, "listing of bucket root"),
        user([allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#, condition: #"{"StringLike":{"oss:Prefix":["user1/*"]}}"#)],
             "oss:ListObjects", bucket("b"), false, "absent prefix key"),
        user([allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#, condition: #"{"StringEquals":{"oss:Prefix":["", "user1/"]}}"#)],
             "oss:ListObjects", bucket("b"), values: ["oss:Prefix": [""]], true, "empty prefix allowed explicitly"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:SourceIp": ["192.168.3.4"]], true, "source IP in second range"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:SourceIp": ["172.16.0.1"]], false, "source IP outside"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"Bool":{"acs:SecureTransport":"true"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:SecureTransport": ["false"]], false, "requires TLS"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"Bool":{"acs:SecureTransport":"true"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:SecureTransport": ["true"]], true, "TLS present"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:CurrentTime": ["2026-11-29T00:00:00Z"]], true, "before cutoff"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:CurrentTime": ["2026-11-29T00:00:00Z"]], false, "after cutoff"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"StringEquals":{"acs:UserAgent":"app"},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:UserAgent": ["app"], "acs:SourceIp": ["10.0.0.1"]], true, "operators AND: both hold"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"StringEquals":{"acs:UserAgent":"app"},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:UserAgent": ["app"], "acs:SourceIp": ["11.0.0.1"]], false, "operators AND: one fails"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"StringEquals":{"acs:UserAgent":"app","acs:AccessId":"ak"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:UserAgent": ["app"], "acs:AccessId": ["other"]], false, "keys AND"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"StringEquals":{"acs:UserAgent":["a","b"]}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:UserAgent": ["b"]], true, "values OR"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"StringEquals":{"ACS:USERAGENT":"a"}}"#)],
             "oss:GetObject", object("b", "k"), values: ["acs:UserAgent": ["a"]], true, "condition keys case-insensitive"),
        user([deny(#""oss:*""#, #""*""#, condition: #"{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#),
              allow(#""oss:*""#, #""*""#)], "oss:GetObject", object("b", "k"), values: ["acs:SourceIp": ["8.8.8.8"]], false,
             "deny from outside the network"),
        user([deny(#""oss:*""#, #""*""#, condition: #"{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#),
              allow(#""oss:*""#, #""*""#)], "oss:GetObject", object("b", "k"), values: ["acs:SourceIp": ["10.2.3.4"]], true,
             "inside the network"),
        user([deny(#""oss:*""#, #""*""#, condition: #"{"StringNotEquals":{"acs:AccessId":"ak"}}"#),
              allow(#""oss:*""#, #""*""#)], "oss:GetObject", object("b", "k"), false, "negated deny with absent key applies"),
        user([allow(#""oss:*""#, #""*""#, condition: #"{"NumericLessThanEquals":{"oss:MaxKeys":"100"}}"#)],
             "oss:ListObjects", bucket("b"), values: ["oss:MaxKeys": ["100"]], true, "numeric bound"),
    ]

    static let denyPrecedence: [Case] = [
        user([allow(#""oss:*""#, #""*""#), deny(#""oss:DeleteObject""#, #""*""#)], "oss:DeleteObject", object("b", "k"), false,
             "deny in another policy"),
        user([allow(#""oss:*""#, #""*""#), deny(#""oss:DeleteObject""#, #""*""#)], "oss:GetObject", object("b", "k"), true,
             "deny of another action"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"},{"Effect":"Deny","Action":"oss:*","Resource":"acs:oss:*:*:b/secret/*"}]}"#)],
             "oss:GetObject", object("b", "secret/x"), false, "deny after allow in one policy"),
        user([policy(#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"acs:oss:*:*:b/secret/*"},{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#)],
             "oss:GetObject", object("b", "public/x"), true, "deny elsewhere"),
        user([deny(#""*""#, #""*""#), allow(#""oss:GetObject""#, #""*""#)], "oss:GetObject", object("b", "k"), false, "deny all"),
        user([deny(#""oss:Get*""#, #""acs:oss:*:*:b/*""#)], "oss:GetObject", object("b", "k"), false, "deny without allow"),
    ]

    static func session(role: [Policy], session: Policy?, _ action: String, _ resource: String,
                        values: [String: [String]] = [:], _ allowed: Bool, _ name: String) -> Case {
        Case(name: name,
             input: AuthorizationInput(identityPolicies: role.enumerated().map { NamedPolicy("role policy \($0)", $1) },
                                       sessionPolicy: session.map { NamedPolicy("session policy", $0) }),
             request: RequestContext(action: action, resource: resource, values: values), allowed: allowed)
    }

    static let sessions: [Case] = [
        session(role: [allow(#""oss:*""#, #""*""#)], session: allow(#"["oss:PutObject","oss:GetObject"]"#, #""acs:oss:*:*:b/user1/*""#),
                "oss:PutObject", object("b", "user1/a"), true, "both allow"),
        session(role: [allow(#""oss:*""#, #""*""#)], session: allow(#"["oss:PutObject","oss:GetObject"]"#, #""acs:oss:*:*:b/user1/*""#),
                "oss:PutObject", object("b", "user2/a"), false, "session narrows the prefix"),
        session(role: [allow(#""oss:*""#, #""*""#)], session: allow(#"["oss:PutObject","oss:GetObject"]"#, #""acs:oss:*:*:b/user1/*""#),
                "oss:DeleteObject", object("b", "user1/a"), false, "session narrows the actions"),
        session(role: [allow(#""oss:*""#, #""*""#)], session: allow(#"["oss:PutObject","oss:GetObject"]"#, #""acs:oss:*:*:b/user1/*""#),
                "oss:PutObject", object("c", "user1/a"), false, "session narrows the bucket"),
        session(role: [allow(#""oss:GetObject""#, #""*""#)], session: allow(#""oss:*""#, #""*""#),
                "oss:PutObject", object("b", "k"), false, "session cannot widen the role"),
        session(role: [allow(#""oss:GetObject""#, #""*""#)], session: allow(#""oss:*""#, #""*""#),
                "oss:GetObject", object("b", "k"), true, "intersection"),
        session(role: [], session: allow(#""oss:*""#, #""*""#), "oss:GetObject", object("b", "k"), false,
                "role without policies grants nothing"),
        session(role: [allow(#""oss:*""#, #""*""#)], session: nil, "oss:DeleteObject", object("b", "k"), true,
                "no session policy: the role's rights"),
        session(role: [allow(#""oss:*""#, #""*""#)], session: deny(#""oss:DeleteObject""#, #""*""#),
                "oss:DeleteObject", object("b", "k"), false, "session deny"),
        session(role: [allow(#""oss:*""#, #""*""#)], session: deny(#""oss:DeleteObject""#, #""*""#),
                "oss:GetObject", object("b", "k"), false, "a deny-only session policy allows nothing"),
        session(role: [allow(#""oss:*""#, #""*""#), deny(#""oss:PutObject""#, #""acs:oss:*:*:b/readonly/*""#)],
                session: allow(#""oss:*""#, #""acs:oss:*:*:b/*""#), "oss:PutObject", object("b", "readonly/x"), false,
                "role deny survives a broad session"),
        session(role: [allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#)],
                session: allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#, condition: #"{"StringLike":{"oss:Prefix":"user1/*"}}"#),
                "oss:ListObjects", bucket("b"), values: ["oss:Prefix": [""]], false, "session listing needs the prefix"),
        session(role: [allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#)],
                session: allow(#""oss:ListObjects""#, #""acs:oss:*:*:b""#, condition: #"{"StringLike":{"oss:Prefix":"user1/*"}}"#),
                "oss:ListObjects", bucket("b"), values: ["oss:Prefix": ["user1/x"]], true, "session listing inside prefix"),
    ]

    static let sessionIdentity = PrincipalIdentity(
        accountId: account, ids: ["300:alice", "acs:ram::\(account):assumed-role/uploader/alice", account],
        ramArns: ["acs:ram::\(account):assumed-role/uploader/alice", "acs:ram::\(account):role/uploader",
                  "acs:ram::\(account):root"])
    static let aliceOnly = allow(#""oss:GetObject""#, #""acs:oss:*:*:demo/users/alice/*""#)

    static func sessionGrant(_ name: String, bucket: Policy?, acl: Bool, key: String, _ allowed: Bool) -> Case {
        Case(name: name,
             input: AuthorizationInput(sessionPolicy: NamedPolicy("session policy", aliceOnly),
                                       resourcePolicy: bucket.map { NamedPolicy("bucket policy", $0) }, aclAllows: acl),
             request: RequestContext(action: "oss:GetObject", resource: object("demo", key), principal: sessionIdentity),
             allowed: allowed)
    }

    /// Issue 13, point 3: grants from outside the session (bucket policies naming the account or the role, ACLs)
    /// never widen a session beyond its session policy.
    static let sessionsAgainstOtherGrants: [Case] = [
        sessionGrant("bucket policy naming the account cannot widen a session",
                     bucket: policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":["\#(account)"],"Resource":"acs:oss:*:*:demo/users/*"}]}"#),
                     acl: false, key: "users/bob/private.png", false),
        sessionGrant("bucket policy naming the role cannot widen a session",
                     bucket: policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":{"RAM":["acs:ram::\#(account):role/uploader"]},"Resource":"acs:oss:*:*:demo/users/*"}]}"#),
                     acl: false, key: "users/bob/private.png", false),
        sessionGrant("bucket policy naming anyone cannot widen a session",
                     bucket: policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":["*"],"Resource":"acs:oss:*:*:demo/*"}]}"#),
                     acl: false, key: "users/bob/private.png", false),
        sessionGrant("a public-read ACL cannot widen a session", bucket: nil, acl: true, key: "users/bob/private.png", false),
        sessionGrant("bucket policy grants inside the session policy",
                     bucket: policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":["\#(account)"],"Resource":"acs:oss:*:*:demo/users/*"}]}"#),
                     acl: false, key: "users/alice/photo.png", true),
        sessionGrant("an ACL grants inside the session policy", bucket: nil, acl: true, key: "users/alice/photo.png", true),
    ]

    static let anonymousBucketPolicy = policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:b/public/*"]}]}"#)
    static let userBucketPolicy = policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:*"],"Principal":["20001"],"Resource":["acs:oss:*:*:b/*"]},{"Effect":"Deny","Action":["oss:DeleteObject"],"Principal":["*"],"Resource":["acs:oss:*:*:b/keep/*"]}]}"#)
    static let alice = PrincipalIdentity(accountId: account, ids: [account, "20001"], ramArns: ["acs:ram::\(account):user/alice"])
    static let bob = PrincipalIdentity(accountId: account, ids: [account, "20002"], ramArns: ["acs:ram::\(account):user/bob"])

    static func bucketCase(_ name: String, identity: [Policy] = [], bucket: Policy?, acl: Bool, principal: PrincipalIdentity?,
                           _ action: String, _ resource: String, _ allowed: Bool) -> Case {
        Case(name: name,
             input: AuthorizationInput(identityPolicies: identity.map { NamedPolicy("user policy", $0) },
                                       resourcePolicy: bucket.map { NamedPolicy("bucket policy", $0) }, aclAllows: acl),
             request: RequestContext(action: action, resource: resource, principal: principal), allowed: allowed)
    }

    static let buckets: [Case] = [
        bucketCase("anonymous via bucket policy", bucket: anonymousBucketPolicy, acl: false, principal: nil,
                   "oss:GetObject", object("b", "public/x"), true),
        bucketCase("anonymous outside the policy", bucket: anonymousBucketPolicy, acl: false, principal: nil,
                   "oss:GetObject", object("b", "private/x"), false),
        bucketCase("anonymous write not in policy", bucket: anonymousBucketPolicy, acl: false, principal: nil,
                   "oss:PutObject", object("b", "public/x"), false),
        bucketCase("anonymous via public-read ACL", bucket: nil, acl: true, principal: nil,
                   "oss:GetObject", object("b", "x"), true),
        bucketCase("anonymous, private ACL, no policy", bucket: nil, acl: false, principal: nil,
                   "oss:GetObject", object("b", "x"), false),
        bucketCase("user named by the bucket policy", bucket: userBucketPolicy, acl: false, principal: alice,
                   "oss:PutObject", object("b", "x"), true),
        bucketCase("user not named", bucket: userBucketPolicy, acl: false, principal: bob,
                   "oss:PutObject", object("b", "x"), false),
        bucketCase("bucket policy deny beats identity allow", identity: [allow(#""oss:*""#, #""*""#)],
                   bucket: userBucketPolicy, acl: false, principal: bob, "oss:DeleteObject", object("b", "keep/x"), false),
        bucketCase("bucket policy deny beats ACL", bucket: userBucketPolicy, acl: true, principal: nil,
                   "oss:DeleteObject", object("b", "keep/x"), false),
        bucketCase("identity allow without bucket policy", identity: [allow(#""oss:*""#, #""*""#)], bucket: nil, acl: false,
                   principal: bob, "oss:PutObject", object("b", "x"), true),
        bucketCase("identity deny beats ACL", identity: [deny(#""oss:GetObject""#, #""*""#)], bucket: nil, acl: true,
                   principal: bob, "oss:GetObject", object("b", "x"), false),
        bucketCase("ACL allows a user without policies", bucket: nil, acl: true, principal: bob,
                   "oss:GetObject", object("b", "x"), true),
        bucketCase("typed principal names the user ARN",
                   bucket: policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":{"RAM":["acs:ram::*:user/bob"]},"Resource":"*"}]}"#),
                   acl: false, principal: bob, "oss:GetObject", object("b", "x"), true),
    ]

    @Test(arguments: matching + conditions + denyPrecedence + sessions + sessionsAgainstOtherGrants + buckets)
    func decides(_ c: Case) {
        let decision = Authorizer.decide(c.input, c.request)
        #expect(decision.allowed == c.allowed, "\(decision)")
    }

    @Test func rootIsAlwaysAllowed() {
        let decision = Authorizer.decide(
            AuthorizationInput(isAccountRoot: true, identityPolicies: [NamedPolicy("p", Self.deny(#""*""#, #""*""#))]),
            RequestContext(action: "oss:DeleteBucket", resource: Self.bucket("b")))
        #expect(decision.allowed && decision.reason == .accountRoot)
    }

    @Test func explanationsNameTheDecidingStatement() {
        let policy = Self.policy(#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"},{"Sid":"NoDelete","Effect":"Deny","Action":"oss:DeleteObject","Resource":"*"}]}"#)
        let denied = Authorizer.decide(AuthorizationInput(identityPolicies: [NamedPolicy("policy \"app-write\"", policy)]),
                                       RequestContext(action: "oss:DeleteObject", resource: Self.object("b", "k")))
        #expect(denied.reason == .deniedBy(StatementReference(policy: "policy \"app-write\"", index: 1, sid: "NoDelete", effect: .deny)))
        #expect(denied.description.contains("statement 1 (Sid \"NoDelete\") of policy \"app-write\""))
        let narrowed = Authorizer.decide(
            AuthorizationInput(identityPolicies: [NamedPolicy("role", policy)],
                               sessionPolicy: NamedPolicy("session policy", Self.allow(#""oss:GetObject""#, #""*""#))),
            RequestContext(action: "oss:PutObject", resource: Self.object("b", "k")))
        #expect(narrowed.reason == .notAllowedBySessionPolicy)
        #expect(narrowed.description.contains("session policy"))
    }

    @Test func atLeastOneHundredFiftyCasesInAll() {
        let tables = Self.matching.count + Self.conditions.count + Self.denyPrecedence.count + Self.sessions.count
            + Self.sessionsAgainstOtherGrants.count + Self.buckets.count
        let total = tables + ConditionTests.cases.count + 24
        #expect(total >= 150, "\(total) cases")
    }
}
