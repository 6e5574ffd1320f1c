import HTTPTypes
import Testing

@testable import SiloCore

/// Every V4 vector of spec §6.4 and §6.5.
@Suite struct SignatureV4Tests {
    static let secret = SignatureV1Tests.secret
    static let stsSecret = SignatureV1Tests.stsSecret
    static let timestamp = "20250101T000000Z"
    static let scope = SignatureV4.Scope(date: "20250101", region: "cn-hangzhou")
    static let signed: [(String, String)] = [("x-oss-content-sha256", "UNSIGNED-PAYLOAD"), ("x-oss-date", timestamp)]

    static func signature(_ request: SigningRequest, additional: [String] = [], secret: String = secret) -> String {
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: additional)
        let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: scope)
        return SignatureV4.signature(stringToSign: stringToSign, secret: secret, scope: scope)
    }

    @Test func putObject() {
        let request = SignatureV1Tests.request("PUT", key: "exampledir/exampleobject.txt", headers: [
            ("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="), ("Content-Type", "text/plain"), ("x-oss-meta-author", "alice"),
        ] + Self.signed)
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: [])
        #expect(canonical == "PUT\n/examplebucket/exampledir/exampleobject.txt\n\ncontent-md5:XrY7u+Ae7tCTyyK7j1rNww==\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20250101T000000Z\nx-oss-meta-author:alice\n\n\nUNSIGNED-PAYLOAD")
        let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: Self.timestamp, scope: Self.scope)
        #expect(stringToSign == "OSS4-HMAC-SHA256\n20250101T000000Z\n20250101/cn-hangzhou/oss/aliyun_v4_request\n5a99dd84039d9895b5fae8c3c59a80dd2e733968b8d8231e53588c499b7ec566")
        #expect(Self.signature(request) == "7cdfe3c50e47cd4424b36f11bcf1c3bc406f27affa3d7be3fee285c70045411a")
    }

    @Test func getObjectWithRange() {
        let request = SignatureV1Tests.request("GET", key: "exampledir/exampleobject.txt", headers: [("Range", "bytes=0-4")] + Self.signed)
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: [])
        #expect(SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: Self.timestamp, scope: Self.scope)
            .hasSuffix("6cf270b5fceb65633146d0e9c93e0e21dbea13000751a43ad69279af665f9479"))
        #expect(Self.signature(request) == "94309ebb970723d571cb6ee97e5c2ce2c6186fe4c5025672516e9594675ad031")
    }

    @Test func listObjects() {
        let request = SignatureV1Tests.request("GET", rawQuery: "prefix=photos%2F&delimiter=%2F&marker=&max-keys=10&encoding-type=url", headers: Self.signed)
        #expect(SignatureV4.canonicalRequest(request, additionalHeaders: [])
            == "GET\n/examplebucket/\ndelimiter=%2F&encoding-type=url&marker&max-keys=10&prefix=photos%2F\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20250101T000000Z\n\n\nUNSIGNED-PAYLOAD")
        #expect(Self.signature(request) == "1859555acd752748a8624d25838344bb0c1256904de1f3d794a79b156d6f162e")
        let v2SDK = SignatureV1Tests.request("GET", rawQuery: "prefix=photos%2F&delimiter=%2F&max-keys=10&encoding-type=url", headers: [
            ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="), ("Content-Type", "application/octet-stream"),
        ] + Self.signed)
        #expect(Self.signature(v2SDK) == "71a4f10bb7cc291a560937a6a55f9b1543ce3bc12b09ea07dc87f4bac375a785")
    }

    @Test func unicodeKey() {
        let request = SignatureV1Tests.request("PUT", key: "中文 dir/a+b&c.txt", headers: [("Content-Type", "text/plain")] + Self.signed)
        #expect(SignatureV4.canonicalRequest(request, additionalHeaders: []).hasPrefix("PUT\n/examplebucket/%E4%B8%AD%E6%96%87%20dir/a%2Bb%26c.txt\n"))
        #expect(Self.signature(request) == "3b89900b7a6dafbd3d1d9cbf9acad1cbbf98be61fa2ab4703c0627d2e8096e1b")
    }

    @Test func listBuckets() {
        let request = SignatureV1Tests.request("GET", bucket: nil, rawQuery: "prefix=&marker=&max-keys=100", headers: Self.signed)
        #expect(SignatureV4.canonicalRequest(request, additionalHeaders: [])
            == "GET\n/\nmarker&max-keys=100&prefix\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20250101T000000Z\n\n\nUNSIGNED-PAYLOAD")
        #expect(Self.signature(request) == "1b88599dffca93566a131dd348200fdf0a163bfa93704cf00490ed96f3689876")
    }

    @Test func stsPutObject() {
        let request = SignatureV1Tests.request("PUT", key: "exampleobject.txt", headers: [
            ("Content-Type", "text/plain"), ("x-oss-security-token", "CAIS+Example/Token=="),
        ] + Self.signed)
        #expect(Self.signature(request, secret: Self.stsSecret) == "a5352be1aac5ed66ccdd60a9a306b26de05ca1c07b2999f21a69d4e5ca87d9d9")
    }

    @Test func pathStyleStillSignsTheBucket() {
        let request = SignatureV1Tests.request("PUT", key: "k.txt", headers: [("Content-Type", "text/plain"), ("Host", "127.0.0.1:9000")] + Self.signed)
        #expect(Self.signature(request) == "5c88d3d6996fd592ac8e2b1cbe31de77d62b63b7a7ddbfa7d33f1110444a9eaf")
    }

    // MARK: presigned (§6.5)

    static let credentialQuery = "x-oss-credential=LTAI5tXmplAccessKeyId%2F20250101%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"

    @Test func presignedGet() {
        let raw = "x-oss-date=20250101T000000Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256&\(Self.credentialQuery)&x-oss-signature=407b"
        let request = SignatureV1Tests.request("GET", key: "exampledir/exampleobject.txt", rawQuery: Substring(raw))
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: [])
        #expect(canonical == "GET\n/examplebucket/exampledir/exampleobject.txt\n\(Self.credentialQuery)&x-oss-date=20250101T000000Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256\n\n\nUNSIGNED-PAYLOAD")
        #expect(SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: Self.timestamp, scope: Self.scope)
            .hasSuffix("3605b354689cae75f23b24e4c98fdabdb3dfeab25804cf2deff13e0b8b3a3548"))
        #expect(Self.signature(request) == "407b49355b0bfae360bcff5b7c9237531f2ddc14a20380772bc6b658b37a1eb0")
    }

    @Test func presignedGetWithSTS() {
        let credential = "x-oss-credential=STS.NUgYrLnoC37mZZCNnAbez2%2F20250101%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"
        let raw = "x-oss-date=20250101T000000Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256&\(credential)&x-oss-security-token=CAIS%2BExample%2FToken%3D%3D"
        let request = SignatureV1Tests.request("GET", key: "exampleobject.txt", rawQuery: Substring(raw))
        #expect(Self.signature(request, secret: Self.stsSecret) == "ca6759ee71f6414f883580d1f41cce0da586eaa954b6343c241496d33cecf8d0")
    }

    @Test func presignedPutWithHostAsAdditionalHeader() {
        let raw = "x-oss-additional-headers=host&\(Self.credentialQuery)&x-oss-date=20250101T000000Z&x-oss-expires=600&x-oss-signature-version=OSS4-HMAC-SHA256"
        let request = SignatureV1Tests.request("PUT", key: "upload.txt", rawQuery: Substring(raw), headers: [
            ("Content-Type", "text/plain"), ("x-oss-meta-a", "1"), ("Host", "examplebucket.oss-cn-hangzhou.aliyuncs.com"),
        ])
        let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: ["host"])
        #expect(canonical.contains("\ncontent-type:text/plain\nhost:examplebucket.oss-cn-hangzhou.aliyuncs.com\nx-oss-meta-a:1\n\nhost\nUNSIGNED-PAYLOAD"))
        #expect(Self.signature(request, additional: ["host"]) == "bf7a4093b63b518890502ea2f63d3b9b660c98609352f01454c4498aedb636fc")
    }

    // MARK: parsing

    @Test func parsesAuthorizationInEitherClientStyle() throws {
        let oss2 = try #require(SignatureV4.Authorization(parsing:
            "OSS4-HMAC-SHA256 Credential=LTAI5tXmplAccessKeyId/20250101/cn-hangzhou/oss/aliyun_v4_request, Signature=7cdf, AdditionalHeaders=host;Range"))
        #expect(oss2.credential.accessKeyId == "LTAI5tXmplAccessKeyId")
        #expect(oss2.credential.scope == Self.scope)
        #expect(oss2.additionalHeaders == ["host", "range"])
        #expect(oss2.signature == "7cdf")
        let v2 = try #require(SignatureV4.Authorization(parsing:
            "OSS4-HMAC-SHA256 Credential=STS.x/20250101/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=ab"))
        #expect(v2.credential.accessKeyId == "STS.x")
        #expect(v2.additionalHeaders == ["host"])
    }

    @Test(arguments: [
        "OSS4-HMAC-SHA256 Signature=ab",
        "OSS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aws4_request,Signature=ab",
        "OSS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aliyun_v4_request",
        "OSS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aliyun_v4_request,Signature=",
        "OSS4-HMAC-SHA256 Credential=ak/20250101/oss/aliyun_v4_request,Signature=ab",
        "OSS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aliyun_v4_request,Bogus,Signature=ab",
        "AWS4-HMAC-SHA256 Credential=ak/20250101/cn-hangzhou/oss/aliyun_v4_request,Signature=ab",
    ])
    func rejectsMalformedAuthorization(value: String) {
        #expect(SignatureV4.Authorization(parsing: value) == nil)
    }

    @Test func androidSendsTheTimestampAsDate() {
        let android = SignatureV1Tests.request("GET", key: "a", headers: [("Date", "20250101T000000Z")])
        #expect(SignatureV4.headerTimestamp(android) == "20250101T000000Z")
        let rfc = SignatureV1Tests.request("GET", key: "a", headers: [("Date", SignatureV1Tests.date)])
        #expect(SignatureV4.headerTimestamp(rfc) == nil)
    }
}
