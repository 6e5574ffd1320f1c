import Testing

@testable import SiloCore

/// AWS SigV4 against AWS's own `get-vanilla` vector and against botocore 1.43 (`SigV4Auth`/`S3SigV4Auth`, the
/// signer boto3 uses) on S3 requests of the shapes the blob backend sends, with the clock fixed at
/// 2015-08-30T12:36:00Z and AWS's example credentials.
@Suite struct AWSSignatureV4Tests {
    static let credentials = AWSSignatureV4.Credentials(accessKeyId: "AKIDEXAMPLE",
                                                        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let time: Int64 = 1_440_938_160

    static func header(_ name: String, _ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    @Test func awsGetVanilla() {
        let request = AWSSignatureV4.Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")])
        let added = AWSSignatureV4.sign(request, credentials: Self.credentials, region: "us-east-1", service: "service",
                                        payloadHash: AWSSignatureV4.emptyPayloadHash, unixSeconds: Self.time)
        #expect(Self.header("x-amz-date", added) == "20150830T123600Z")
        #expect(Self.header("x-amz-content-sha256", added) == nil, "only S3 sends the payload hash header")
        #expect(Self.header("authorization", added) == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func s3PutWithAnEncodedKeyAndQuery() {
        let request = AWSSignatureV4.Request(
            method: "PUT", path: "/silo-blobs/ab/cd e+/chunk-00000001",
            query: [("uploadId", "a+b"), ("partNumber", "1")],
            headers: [("Host", "127.0.0.1:7480"), ("Content-Type", "application/octet-stream"),
                      ("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg==")])
        #expect(request.encodedPath == "/silo-blobs/ab/cd%20e%2B/chunk-00000001")
        #expect(request.encodedQuery == "partNumber=1&uploadId=a%2Bb")
        let hello = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        let added = AWSSignatureV4.sign(request, credentials: Self.credentials, region: "us-east-1", payloadHash: hello,
                                        unixSeconds: Self.time)
        #expect(Self.header("x-amz-content-sha256", added) == hello)
        #expect(Self.header("authorization", added) == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date, Signature=822010b3e7a77fb57d4bd28c0353b0811f02a0646362d7fe15319a0372892d94")
    }

    @Test func s3ListWithATemporaryCredential() {
        var credentials = Self.credentials
        credentials.sessionToken = "TOKEN/with+chars"
        let request = AWSSignatureV4.Request(
            method: "GET", path: "/silo-blobs",
            query: [("list-type", "2"), ("prefix", "blobs/"), ("continuation-token", "x==")],
            headers: [("Host", "127.0.0.1:7480"), ("Range", "bytes=0-99")])
        let added = AWSSignatureV4.sign(request, credentials: credentials, region: "us-east-1",
                                        payloadHash: AWSSignatureV4.emptyPayloadHash, unixSeconds: Self.time)
        #expect(Self.header("x-amz-security-token", added) == "TOKEN/with+chars")
        #expect(Self.header("authorization", added) == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=1251d0e97de58018cfe72afcd80d1fafb9770816c43f2eb5bda42533a8927bcc")
    }

    @Test func headerValuesAreTrimmedCollapsedAndMerged() {
        let headers = AWSSignatureV4.canonicalHeaders([("X-Amz-Meta-A", "  one   two "), ("x-amz-meta-a", "three"), ("Host", "h")])
        #expect(headers.map { "\($0.0):\($0.1)" } == ["host:h", "x-amz-meta-a:one two,three"])
    }
}
