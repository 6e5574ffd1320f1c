import HTTPTypes
import Testing

@testable import SiloCore

/// The client-side signer reproduces, end to end, the oss2 vectors of spec §4.4, §4.5, §6.4 and §6.5.
@Suite struct RequestSignerTests {
    static let now: Int64 = 1_735_689_600  // 2025-01-01T00:00:00Z
    static let root = SigningKey(accessKeyId: SignatureV1Tests.akid, accessKeySecret: SignatureV1Tests.secret)
    static let sts = SigningKey(accessKeyId: "STS.NUgYrLnoC37mZZCNnAbez2", accessKeySecret: SignatureV1Tests.stsSecret,
                                securityToken: "CAIS+Example/Token==")

    @Test func v1HeaderWithSecurityToken() {
        var request = SignatureV1Tests.request("PUT", key: "exampleobject.txt", headers: [("Content-Type", "text/plain")])
        RequestSigner.sign(&request, key: Self.sts, version: .v1, region: "cn-hangzhou", now: Self.now)
        #expect(request.header("date") == "Wed, 01 Jan 2025 00:00:00 GMT")
        #expect(request.header("x-oss-security-token") == "CAIS+Example/Token==")
        #expect(request.header("authorization") == "OSS STS.NUgYrLnoC37mZZCNnAbez2:KH9d+e2dqkMzE4RTxSN+BurZBLY=")
    }

    @Test func v4Header() {
        var request = SignatureV1Tests.request("PUT", key: "exampledir/exampleobject.txt", headers: [
            ("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="), ("Content-Type", "text/plain"), ("x-oss-meta-author", "alice"),
        ])
        RequestSigner.sign(&request, key: Self.root, version: .v4, region: "cn-hangzhou", now: Self.now)
        #expect(request.header("x-oss-date") == "20250101T000000Z")
        #expect(request.header("x-oss-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(request.header("authorization") == "OSS4-HMAC-SHA256 Credential=LTAI5tXmplAccessKeyId/20250101/cn-hangzhou/oss/aliyun_v4_request,Signature=7cdfe3c50e47cd4424b36f11bcf1c3bc406f27affa3d7be3fee285c70045411a")
        #expect(SignatureV4.Authorization(parsing: request.header("authorization")!) != nil)
    }

    @Test func v1Presigned() {
        let request = SignatureV1Tests.request("GET", key: "exampledir/exampleobject.txt")
        let items = RequestSigner.presign(request, key: Self.root, version: .v1, region: "cn-hangzhou", now: Self.now,
                                          expiresIn: 3600)
        #expect(items == [QueryItem("OSSAccessKeyId", "LTAI5tXmplAccessKeyId"), QueryItem("Expires", "1735693200"),
                          QueryItem("Signature", "LIEi+Vtovso0PY0IfR27/tiZY1A=")])
    }

    @Test func v1PresignedWithSecurityToken() {
        let request = SignatureV1Tests.request("GET", key: "exampleobject.txt")
        let items = RequestSigner.presign(request, key: Self.sts, version: .v1, region: "cn-hangzhou", now: Self.now,
                                          expiresIn: 3600)
        #expect(items.first { $0.name == "security-token" }?.value == "CAIS+Example/Token==")
        #expect(items.first { $0.name == "Signature" }?.value == "JslIANPoGPOrT0CUDlWvYnYIWu4=")
    }

    @Test func v1PresignedSignsTheProcessSubResource() {
        let request = SignatureV1Tests.request("GET", key: "photo.jpg", rawQuery: "x-oss-process=image%2Fresize%2Cw_100")
        let items = RequestSigner.presign(request, key: Self.root, version: .v1, region: "cn-hangzhou", now: Self.now,
                                          expiresIn: 3600)
        #expect(items.first { $0.name == "Signature" }?.value == "Hh9UhnvKMbBw+wM68xT/jZxX0MY=")
    }

    @Test func v4Presigned() {
        let request = SignatureV1Tests.request("GET", key: "exampledir/exampleobject.txt")
        let items = RequestSigner.presign(request, key: Self.root, version: .v4, region: "cn-hangzhou", now: Self.now,
                                          expiresIn: 3600)
        #expect(items.map(\.name) == ["x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-expires",
                                      "x-oss-signature"])
        #expect(items.last?.value == "407b49355b0bfae360bcff5b7c9237531f2ddc14a20380772bc6b658b37a1eb0")
    }

    @Test func v4PresignedWithSecurityToken() {
        let request = SignatureV1Tests.request("GET", key: "exampleobject.txt")
        let items = RequestSigner.presign(request, key: Self.sts, version: .v4, region: "cn-hangzhou", now: Self.now,
                                          expiresIn: 3600)
        #expect(items.first { $0.name == "x-oss-security-token" }?.value == "CAIS+Example/Token==")
        #expect(items.last?.value == "ca6759ee71f6414f883580d1f41cce0da586eaa954b6343c241496d33cecf8d0")
    }
}
