import Foundation
import Testing

@testable import SiloAppServer

@Suite struct PolicyTemplateTests {
    let templates = [
        PolicyTemplate(actions: ["oss:PutObject", "oss:GetObject"], resources: ["users/${uid}/*"]),
        PolicyTemplate(actions: ["oss:GetObject"], resources: ["public/*", "acs:oss:*:*:shared/${uid}.txt"]),
    ]

    @Test func expandsPerUser() throws {
        let policy = PolicyTemplate.sessionPolicy(templates, uid: "alice", bucket: "demo")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any])
        let statements = try #require(object["Statement"] as? [[String: Any]])
        #expect(object["Version"] as? String == "1")
        #expect(statements.count == 2)
        #expect(statements[0]["Resource"] as? [String] == ["acs:oss:*:*:demo/users/alice/*"])
        #expect(statements[1]["Resource"] as? [String] == ["acs:oss:*:*:demo/public/*", "acs:oss:*:*:shared/alice.txt"])
        #expect(statements[0]["Action"] as? [String] == ["oss:PutObject", "oss:GetObject"])
    }

    @Test func rendersCompactSortedJSON() {
        // What the STS receives: stable (sorted keys), compact, slashes unescaped.
        #expect(PolicyTemplate.sessionPolicy(templates, uid: "a/b", bucket: "demo") == """
            {"Statement":[{"Action":["oss:PutObject","oss:GetObject"],"Effect":"Allow","Resource":["acs:oss:*:*:demo/users/a/b/*"]},\
            {"Action":["oss:GetObject"],"Effect":"Allow","Resource":["acs:oss:*:*:demo/public/*","acs:oss:*:*:shared/a/b.txt"]}],\
            "Version":"1"}
            """)
    }

    @Test func rendererMatchesTheFullEncodingForEveryUID() {
        let odd = templates + [PolicyTemplate(actions: ["oss:${uid}"], resources: ["x/${uid}"])]
        for set in [templates, odd] {
            let renderer = SessionPolicyRenderer(templates: set, bucket: "demo")
            for uid in ["alice", "a.b-c_d@e", "42", "a/b", "q\"uote", "${uid}", "ü"] {
                #expect(renderer.policy(uid: uid) == PolicyTemplate.sessionPolicy(set, uid: uid, bucket: "demo"), "\(uid)")
            }
        }
    }

    @Test func prefixAndOwner() {
        #expect(PolicyTemplate.userPrefix(templates, uid: "bob") == "users/bob/")
        #expect(PolicyTemplate.owner(ofKey: "users/bob/cat.jpg", templates: templates) == "bob")
        #expect(PolicyTemplate.owner(ofKey: "users/bob/videos/a/b.mp4", templates: templates) == "bob")
        #expect(PolicyTemplate.owner(ofKey: "users/bob", templates: templates) == nil)
        #expect(PolicyTemplate.owner(ofKey: "users//x", templates: templates) == nil)
        #expect(PolicyTemplate.owner(ofKey: "users/../x", templates: templates) == nil)
        #expect(PolicyTemplate.owner(ofKey: "public/x.jpg", templates: templates) == nil)
        #expect(PolicyTemplate.owner(ofKey: "other/bob/x", templates: templates) == nil)
    }

    @Test func uidAlphabet() {
        for uid in ["alice", "a.b-c_d@e", "42"] { #expect(AppUser.isValidUID(uid)) }
        for uid in ["", ".", "..", "a/b", "a*", "a b", "ü", String(repeating: "a", count: 65), "${uid}"] {
            #expect(!AppUser.isValidUID(uid), "\(uid)")
        }
        #expect(AppUser(uid: "a").roleSessionName.count >= 2)
        #expect(AppUser(uid: String(repeating: "x", count: 64)).roleSessionName.count == 32)
    }
}
