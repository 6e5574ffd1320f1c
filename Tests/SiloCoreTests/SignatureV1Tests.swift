import HTTPTypes
import Testing

@testable import SiloCore

/// Every V1 vector of spec §4.4 and §4.5, produced by oss2 2.19.1 with a frozen clock.
@Suite struct SignatureV1Tests {
    static let akid = "LTAI5tXmplAccessKeyId"
    static let secret = "XmplAccessKeySecret0123456789abc"
    static let stsSecret = "AXVmE8mWxmsTMcMF2GzVh2EnNQmyNs7Li7Ldi7Tv6gA"
    static let date = "Wed, 01 Jan 2025 00:00:00 GMT"

    static func request(
        _ method: String, bucket: String? = "examplebucket", key: String? = nil, rawQuery: Substring = "",
        headers: [(String, String)] = []
    ) -> SigningRequest {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return SigningRequest(
            method: method, bucket: bucket, key: key, query: QueryParameters(parsing: rawQuery)!, headers: fields)
    }

    static func expect(_ request: SigningRequest, date: String = date, stringToSign: String, signature: String,
                       secret: String = secret) {
        let computed = SignatureV1.stringToSign(request, date: date)
        #expect(computed == stringToSign)
        #expect(SignatureV1.signature(stringToSign: computed, secret: secret) == signature)
    }

    @Test func putObjectWithMD5MetaAndForbidOverwrite() {
        let headers = [("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="), ("Content-Type", "text/plain"),
                       ("x-oss-meta-author", "alice"), ("x-oss-forbid-overwrite", "true"), ("Date", Self.date)]
        let request = Self.request("PUT", key: "exampledir/exampleobject.txt", headers: headers)
        Self.expect(request,
            stringToSign: "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\ntext/plain\nWed, 01 Jan 2025 00:00:00 GMT\nx-oss-forbid-overwrite:true\nx-oss-meta-author:alice\n/examplebucket/exampledir/exampleobject.txt",
            signature: "ACSrFevzlLAa0yCrgiWaxESOYeg=")
        #expect(SignatureV1.authorization(request, accessKeyId: Self.akid, secret: Self.secret)
            == "OSS LTAI5tXmplAccessKeyId:ACSrFevzlLAa0yCrgiWaxESOYeg=")
        let withoutForbid = Self.request("PUT", key: "exampledir/exampleobject.txt", headers: headers.filter { $0.0 != "x-oss-forbid-overwrite" })
        #expect(SignatureV1.signature(stringToSign: SignatureV1.stringToSign(withoutForbid, date: Self.date), secret: Self.secret)
            == "b4m2EgHaRpknHkrUm12WiPFfrYM=")
    }

    @Test func getObjectWithRangeDoesNotSignRange() {
        let request = Self.request("GET", key: "exampledir/exampleobject.txt", headers: [("range", "bytes=0-4")])
        Self.expect(request, stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/exampledir/exampleobject.txt",
                    signature: "IGlDzyQVab1hkNcjW8rSDq2lbZU=")
    }

    @Test func imageProcessIsASubResource() {
        let request = Self.request("GET", key: "photo.jpg", rawQuery: "x-oss-process=image%2Fresize%2Cw_100")
        Self.expect(request, stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/photo.jpg?x-oss-process=image/resize,w_100",
                    signature: "UGIxfOS8J13febgrGj7XzaWhOQo=")
    }

    @Test func responseOverrideDecodesPlusAndSkipsUnknownParameters() {
        let plus = Self.request("GET", key: "a.txt", rawQuery: "response-content-disposition=attachment%3B+filename%3D%22a.txt%22&foo=bar")
        let percent = Self.request("GET", key: "a.txt", rawQuery: "response-content-disposition=attachment%3B%20filename%3D%22a.txt%22")
        for request in [plus, percent] {
            Self.expect(request,
                stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/a.txt?response-content-disposition=attachment; filename=\"a.txt\"",
                signature: "/SkiCEDDDjifg9LghcKrRyjWn1c=")
        }
    }

    @Test func bucketACLWithEmptyValue() {
        Self.expect(Self.request("GET", rawQuery: "acl="),
                    stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/?acl", signature: "IRKJ3Gl+NxzFYc8qFlNiJiSzXtI=")
    }

    @Test func listObjectsSignsNoParameters() {
        Self.expect(Self.request("GET", rawQuery: "prefix=photos%2F&delimiter=%2F&marker=&max-keys=10&encoding-type=url"),
                    stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/", signature: "C8aW2MxdRdGun4ly8l3AY7RCEdA=")
    }

    @Test func listObjectsV2SignsEmptyContinuationToken() {
        let raw: Substring = "list-type=2&prefix=photos%2F&delimiter=%2F&continuation-token=&start-after=&fetch-owner=false&max-keys=10&encoding-type=url"
        Self.expect(Self.request("GET", rawQuery: raw),
                    stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/?continuation-token",
                    signature: "B5bYsuGXnxH/r9aX5o8NkboYWGM=")
    }

    @Test func uploadPartSortsSubResources() {
        let request = Self.request("PUT", key: "big.bin", rawQuery: "uploadId=0004B9894A22E5B1888A1E29F823%2A%2A%2A%2A&partNumber=1")
        Self.expect(request,
            stringToSign: "PUT\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/big.bin?partNumber=1&uploadId=0004B9894A22E5B1888A1E29F823****",
            signature: "F81TvqASg5uI2ZW4qBceN4wdMpA=")
    }

    @Test func unicodeKeyIsSignedRaw() {
        let request = Self.request("PUT", key: "中文 dir/a+b&c.txt", headers: [("Content-Type", "text/plain")])
        Self.expect(request, stringToSign: "PUT\n\ntext/plain\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/中文 dir/a+b&c.txt",
                    signature: "hwD5AbMSi5Y95So83vcKsijf4X4=")
    }

    @Test func deleteMultipleObjects() {
        let request = Self.request("POST", rawQuery: "delete=&encoding-type=url", headers: [("Content-MD5", "V3nFvo5qT/IeehDw8MdC8Q==")])
        Self.expect(request, stringToSign: "POST\nV3nFvo5qT/IeehDw8MdC8Q==\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/?delete",
                    signature: "Y1OV0oePLj4w//7qWfHrnBZjwSY=")
    }

    @Test func copySourceIsSignedAsSent() {
        let request = Self.request("PUT", key: "dst.txt", headers: [("x-oss-copy-source", "/srcbucket/src%20dir%2F%C3%A4.txt")])
        Self.expect(request,
            stringToSign: "PUT\n\n\nWed, 01 Jan 2025 00:00:00 GMT\nx-oss-copy-source:/srcbucket/src%20dir%2F%C3%A4.txt\n/examplebucket/dst.txt",
            signature: "UzjjSG2n5FUZCnCE2p6bgUdRnYI=")
    }

    @Test func appendObject() {
        let request = Self.request("POST", key: "log.txt", rawQuery: "append=&position=0", headers: [("Content-Type", "text/plain")])
        Self.expect(request, stringToSign: "POST\n\ntext/plain\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/log.txt?append&position=0",
                    signature: "HJIqXsl7y8jpvEyjihNUWuKG5sM=")
    }

    @Test func initiateMultipartUpload() {
        let request = Self.request("POST", key: "big.bin", rawQuery: "uploads=", headers: [("Content-Type", "application/octet-stream")])
        Self.expect(request, stringToSign: "POST\n\napplication/octet-stream\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/big.bin?uploads",
                    signature: "4HZNwFXfhuPPS5Z6DCz2HOhMSnQ=")
    }

    @Test func listBucketsUsesSlash() {
        Self.expect(Self.request("GET", bucket: nil, rawQuery: "prefix=&marker=&max-keys=100"),
                    stringToSign: "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/", signature: "wftJUQYjd+E1tWOfM21aBYaLFSw=")
    }

    @Test func stsTokenHeaderIsSigned() {
        let request = Self.request("PUT", key: "exampleobject.txt", headers: [
            ("Content-Type", "text/plain"), ("x-oss-security-token", "CAIS+Example/Token=="),
        ])
        Self.expect(request,
            stringToSign: "PUT\n\ntext/plain\nWed, 01 Jan 2025 00:00:00 GMT\nx-oss-security-token:CAIS+Example/Token==\n/examplebucket/exampleobject.txt",
            signature: "KH9d+e2dqkMzE4RTxSN+BurZBLY=", secret: Self.stsSecret)
        // alibabacloud-oss-v2 in V1 mode sends `security-token`, which is not signed.
        let v2 = Self.request("PUT", key: "exampleobject.txt", headers: [
            ("Content-Type", "text/plain"), ("security-token", "CAIS+Example/Token=="),
        ])
        Self.expect(v2, stringToSign: "PUT\n\ntext/plain\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/exampleobject.txt",
                    signature: "+5UiKV/RFHLQruKo1WR3INIiNZw=", secret: Self.stsSecret)
    }

    @Test func pathStyleSignsTheSameResource() {
        let request = Self.request("PUT", key: "k.txt", headers: [("Content-Type", "text/plain"), ("Host", "127.0.0.1:9000")])
        Self.expect(request, stringToSign: "PUT\n\ntext/plain\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/k.txt",
                    signature: "0EQlyvdVtd36zf+1xQzxboQA8Zw=")
    }

    @Test func documentationVector() {
        let request = Self.request("PUT", bucket: "oss-example", key: "nelson", headers: [
            ("Content-MD5", "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM="), ("Content-Type", "text/html"),
            ("X-OSS-Meta-Author", "foo@bar.com"), ("X-OSS-Magic", "abracadabra"),
        ])
        Self.expect(request, date: "Thu, 17 Nov 2005 18:49:58 GMT",
            stringToSign: "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson",
            signature: "26NBxoKdsyly4EDv6inkoDft/yA=", secret: "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV")
    }

    @Test func xOssDateWinsOverDate() {
        let request = Self.request("GET", key: "a", headers: [("Date", "Thu, 17 Nov 2005 18:49:58 GMT"), ("x-oss-date", Self.date)])
        #expect(SignatureV1.headerDate(request) == Self.date)
    }

    // MARK: presigned (§4.5), Expires = 1735693200

    @Test func presignedGet() {
        Self.expect(Self.request("GET", key: "exampledir/exampleobject.txt"), date: "1735693200",
                    stringToSign: "GET\n\n\n1735693200\n/examplebucket/exampledir/exampleobject.txt",
                    signature: "LIEi+Vtovso0PY0IfR27/tiZY1A=")
    }

    @Test func presignedPutWithContentType() {
        Self.expect(Self.request("PUT", key: "upload.txt", headers: [("Content-Type", "text/plain")]), date: "1735690200",
                    stringToSign: "PUT\n\ntext/plain\n1735690200\n/examplebucket/upload.txt", signature: "op76XZoLlOreh7taIQ1iFt0Q1nw=")
    }

    @Test func presignedGetWithProcess() {
        let request = Self.request("GET", key: "photo.jpg",
            rawQuery: "x-oss-process=image%2Fresize%2Cw_100&OSSAccessKeyId=LTAI5tXmplAccessKeyId&Expires=1735693200&Signature=x")
        Self.expect(request, date: "1735693200",
                    stringToSign: "GET\n\n\n1735693200\n/examplebucket/photo.jpg?x-oss-process=image/resize,w_100",
                    signature: "Hh9UhnvKMbBw+wM68xT/jZxX0MY=")
    }

    @Test func presignedGetWithSTSToken() {
        let request = Self.request("GET", key: "exampleobject.txt",
            rawQuery: "security-token=CAIS%2BExample%2FToken%3D%3D&OSSAccessKeyId=STS.NUgYrLnoC37mZZCNnAbez2&Expires=1735693200&Signature=JslIANPoGPOrT0CUDlWvYnYIWu4%3D")
        Self.expect(request, date: "1735693200",
                    stringToSign: "GET\n\n\n1735693200\n/examplebucket/exampleobject.txt?security-token=CAIS+Example/Token==",
                    signature: "JslIANPoGPOrT0CUDlWvYnYIWu4=", secret: Self.stsSecret)
    }

    @Test func processCanBeExcludedForTheV2SDKFallback() {
        let request = Self.request("GET", key: "photo.jpg", rawQuery: "x-oss-process=image%2Fresize%2Cw_100")
        #expect(SignatureV1.stringToSign(request, date: Self.date, excludingSubResources: ["x-oss-process"])
            == "GET\n\n\nWed, 01 Jan 2025 00:00:00 GMT\n/examplebucket/photo.jpg")
    }

    @Test(arguments: [
        ("OSS ak:sig", "ak", "sig"),
        ("OSS a:b:sig", "a:b", "sig"),
    ])
    func parsesAuthorization(value: String, akid: String, signature: String) {
        let parsed = SignatureV1.parseAuthorization(value)
        #expect(parsed?.accessKeyId == akid)
        #expect(parsed?.signature == signature)
    }

    @Test(arguments: ["OSS", "OSS ", "OSS ak", "OSS :sig", "OSS ak:", "OSSak:sig", "Bearer x"])
    func rejectsMalformedAuthorization(value: String) {
        #expect(SignatureV1.parseAuthorization(value) == nil)
    }
}
