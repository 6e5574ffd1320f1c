import Foundation
import Testing

@testable import SiloCore

/// Spec §12: the policy grammar, its enforcement, and the V1/V4 signature vectors.
@Suite struct PostPolicyTests {
    static let v1Policy = "eyJleHBpcmF0aW9uIjoiMjAyNS0wMS0wMVQwMTowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlcjEvIl0sWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsMSwxMDQ4NTc2MF1dfQ=="
    static let v4Policy = "eyJleHBpcmF0aW9uIjoiMjAyNS0wMS0wMVQwMTowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1vc3Mtc2lnbmF0dXJlLXZlcnNpb24iOiJPU1M0LUhNQUMtU0hBMjU2In0seyJ4LW9zcy1jcmVkZW50aWFsIjoiTFRBSTV0WG1wbEFjY2Vzc0tleUlkLzIwMjUwMTAxL2NuLWhhbmd6aG91L29zcy9hbGl5dW5fdjRfcmVxdWVzdCJ9LHsieC1vc3MtZGF0ZSI6IjIwMjUwMTAxVDAwMDAwMFoifSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVzZXIxLyJdLFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdXX0="
    static let secret = "XmplAccessKeySecret0123456789abc"
    static let now: Int64 = 1_735_689_600  // 2025-01-01T00:00:00Z, an hour before the vectors expire

    @Test func signatureVectors() {
        #expect(PostPolicy.signatureV1(policy: Self.v1Policy, secret: Self.secret) == "FHx5F84AHa5Y5E4qH/2AbKcZC1M=")
        #expect(PostPolicy.signatureV4(policy: Self.v4Policy, secret: Self.secret,
                                       scope: .init(date: "20250101", region: "cn-hangzhou"))
                == "4a86b84c343f47c02727c52060b7af643cebbcb0a57d871891e29c68606596b8")
    }

    @Test func parsesTheSpecPolicies() throws {
        let v1 = try PostPolicy(base64: Self.v1Policy)
        #expect(v1.expiration == 1_735_693_200)
        #expect(v1.conditions == [.equals(field: "bucket", value: "examplebucket"), .startsWith(field: "key", prefix: "user1/"),
                                  .contentLengthRange(min: 1, max: 10_485_760)])
        let v4 = try PostPolicy(base64: Self.v4Policy)
        #expect(v4.conditions.contains(.equals(field: "x-oss-date", value: "20250101T000000Z")))
    }

    @Test func enforcesConditions() throws {
        let policy = try PostPolicy(base64: Self.v1Policy)
        let good = ["bucket": "examplebucket", "Key": "user1/avatar.png"]
        try policy.check(fields: good, contentLength: 1000, now: Self.now)
        #expect(throws: OSSError.self) { try policy.check(fields: good, contentLength: 1000, now: Self.now + 7200) }
        do {
            try policy.check(fields: ["bucket": "examplebucket", "key": "user2/x.png"], contentLength: 1000, now: Self.now)
            Issue.record("a key outside the prefix passed")
        } catch {
            #expect(error.code == "AccessDenied")
            #expect(error.message.contains("starts-with"))
        }
        #expect(throws: OSSError.entityTooLarge) { try policy.check(fields: good, contentLength: 10_485_761, now: Self.now) }
        #expect(throws: OSSError.entityTooSmall) { try policy.check(fields: good, contentLength: 0, now: Self.now) }
        do {
            try policy.check(fields: ["bucket": "other", "key": "user1/a"], contentLength: 1, now: Self.now)
            Issue.record("a wrong bucket passed")
        } catch {
            #expect(error.code == "AccessDenied")
        }
    }

    @Test func inNotInAndCaseInsensitiveFields() throws {
        let json = #"{"expiration":"2030-01-01T00:00:00Z","conditions":[["in","$Content-Type",["image/jpeg","image/png"]],["not-in","$cache-control",["no-cache"]],["starts-with","$x-oss-meta-tag",""]]}"#
        let policy = try PostPolicy(json: Data(json.utf8))
        try policy.check(fields: ["content-type": "image/png"], contentLength: nil, now: Self.now)
        #expect(throws: OSSError.self) { try policy.check(fields: ["Content-Type": "text/html"], contentLength: nil, now: Self.now) }
        #expect(throws: OSSError.self) {
            try policy.check(fields: ["Content-Type": "image/png", "Cache-Control": "no-cache"], contentLength: nil, now: Self.now)
        }
    }

    @Test(arguments: ["not base64!", Data("[1,2]".utf8).base64EncodedString(),
                      Data(#"{"conditions":[]}"#.utf8).base64EncodedString(),
                      Data(#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["bogus","$key","x"]]}"#.utf8).base64EncodedString(),
                      Data(#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",10,1]]}"#.utf8).base64EncodedString()])
    func rejectsMalformedPolicies(policy: String) {
        do {
            _ = try PostPolicy(base64: policy)
            Issue.record("accepted \(policy)")
        } catch {
            #expect(error.code == "InvalidPolicyDocument")
            #expect(error.status == 400)
        }
    }

    @Test func rendersWhatItParses() throws {
        let policy = PostPolicy(expiration: 1_900_000_000, conditions: [
            .equals(field: "bucket", value: "photos"), .startsWith(field: "key", prefix: "users/42/"),
            .contentLengthRange(min: 1, max: 20 << 20), .oneOf(field: "content-type", values: ["image/jpeg"]),
        ])
        #expect(try PostPolicy(base64: policy.base64) == policy)
    }
}
