import Testing

@testable import SiloCore

/// Spec §5 vectors (oss2 2.19.1 `AuthV2`).
@Suite struct SignatureV2Tests {
    @Test func headerWithAdditionalRange() throws {
        let request = SignatureV1Tests.request("GET", key: "exampledir/exampleobject.txt", headers: [
            ("range", "bytes=0-4"), ("Date", SignatureV1Tests.date),
        ])
        let stringToSign = SignatureV2.stringToSign(request, date: SignatureV1Tests.date, additionalHeaders: ["range"])
        #expect(stringToSign == "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\nrange:bytes=0-4\nrange\n%2Fexamplebucket%2Fexampledir%2Fexampleobject.txt")
        #expect(SignatureV2.signature(stringToSign: stringToSign, secret: SignatureV1Tests.secret)
            == "0hjTLKY6m8j01oJAoj7lYKCVDPCem6dOJ8/X8JV5NT8=")
        let parsed = try #require(SignatureV2.Authorization(parsing:
            "OSS2 AccessKeyId:LTAI5tXmplAccessKeyId,AdditionalHeaders:range,Signature:0hjTLKY6m8j01oJAoj7lYKCVDPCem6dOJ8/X8JV5NT8="))
        #expect(parsed.accessKeyId == "LTAI5tXmplAccessKeyId")
        #expect(parsed.additionalHeaders == ["range"])
        #expect(parsed.signature == "0hjTLKY6m8j01oJAoj7lYKCVDPCem6dOJ8/X8JV5NT8=")
    }

    @Test func presigned() {
        let request = SignatureV1Tests.request("GET", key: "exampledir/exampleobject.txt", rawQuery:
            "x-oss-signature-version=OSS2&x-oss-expires=1735693200&x-oss-access-key-id=LTAI5tXmplAccessKeyId&x-oss-signature=x")
        let stringToSign = SignatureV2.stringToSign(request, date: "1735693200", additionalHeaders: [],
                                                    excludingQuery: ["x-oss-signature"])
        #expect(stringToSign == "GET\n\n\n1735693200\n\n%2Fexamplebucket%2Fexampledir%2Fexampleobject.txt?x-oss-access-key-id=LTAI5tXmplAccessKeyId&x-oss-expires=1735693200&x-oss-signature-version=OSS2")
        #expect(SignatureV2.signature(stringToSign: stringToSign, secret: SignatureV1Tests.secret)
            == "NrYdQyKHsis2R6oGM+Ef0v67frr9kaPvJ9xcF6GSQTk=")
    }

    @Test(arguments: ["OSS2 Signature:x", "OSS2 AccessKeyId:a", "OSS2 AccessKeyId:a,Signature:", "OSS2 AccessKeyId:a,Bogus:1,Signature:s", "OSS a:b"])
    func rejectsMalformed(value: String) {
        #expect(SignatureV2.Authorization(parsing: value) == nil)
    }
}
