import Testing

@testable import SiloCore

/// Spec §15.3 and §15.4 vectors.
@Suite struct STSSignatureTests {
    @Test func rpcDocumentationVector() {
        let parameters = [
            QueryItem("UserName", "test"), QueryItem("SignatureVersion", "1.0"), QueryItem("Format", "JSON"),
            QueryItem("Timestamp", "2015-08-18T03:15:45Z"), QueryItem("AccessKeyId", "testid"),
            QueryItem("SignatureMethod", "HMAC-SHA1"), QueryItem("Version", "2015-05-01"), QueryItem("Action", "CreateUser"),
            QueryItem("SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"),
        ]
        let stringToSign = RPCSignature.stringToSign(method: "GET", parameters: parameters)
        #expect(stringToSign == "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01")
        #expect(RPCSignature.signature(stringToSign: stringToSign, secret: "testsecret") == "kRA2cnpJVacIhDMzXnoNZG9tDCI=")
    }

    static let policy = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:examplebucket/user1/*"]}]}"#

    @Test func rpcAssumeRoleFromAliyunSDKCore() throws {
        let raw: Substring = "RoleArn=acs%3Aram%3A%3A1234567890123456%3Arole%2Fapp-role&RoleSessionName=session1&DurationSeconds=3600&Policy=%7B%22Version%22%3A%221%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22oss%3APutObject%22%5D%2C%22Resource%22%3A%5B%22acs%3Aoss%3A%2A%3A%2A%3Aexamplebucket%2Fuser1%2F%2A%22%5D%7D%5D%7D&Version=2015-04-01&Action=AssumeRole&Format=JSON&RegionId=cn-hangzhou&Timestamp=2025-01-01T00%3A00%3A00Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0&SignatureNonce=3bd3e1a0-6ec5-4ee7-a2b1-0e4d0b1c9f00&AccessKeyId=LTAI5tXmplAccessKeyId&Signature=bX1HyUcWk04PRKyl5WtBcs4sxf4%3D"
        let query = try #require(QueryParameters(parsing: raw))
        #expect(query["Policy"] == Self.policy)
        let stringToSign = RPCSignature.stringToSign(method: "POST", parameters: query.items)
        #expect(stringToSign == "POST&%2F&AccessKeyId%3DLTAI5tXmplAccessKeyId%26Action%3DAssumeRole%26DurationSeconds%3D3600%26Format%3DJSON%26Policy%3D%257B%2522Version%2522%253A%25221%2522%252C%2522Statement%2522%253A%255B%257B%2522Effect%2522%253A%2522Allow%2522%252C%2522Action%2522%253A%255B%2522oss%253APutObject%2522%255D%252C%2522Resource%2522%253A%255B%2522acs%253Aoss%253A%252A%253A%252A%253Aexamplebucket%252Fuser1%252F%252A%2522%255D%257D%255D%257D%26RegionId%3Dcn-hangzhou%26RoleArn%3Dacs%253Aram%253A%253A1234567890123456%253Arole%252Fapp-role%26RoleSessionName%3Dsession1%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3bd3e1a0-6ec5-4ee7-a2b1-0e4d0b1c9f00%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2025-01-01T00%253A00%253A00Z%26Version%3D2015-04-01")
        #expect(RPCSignature.signature(stringToSign: stringToSign, secret: "XmplAccessKeySecret0123456789abc")
            == "bX1HyUcWk04PRKyl5WtBcs4sxf4=")
    }

    @Test func theOnePassStringToSignIsTheCanonicalQueryEncodedAgain() {
        let values = ["", "plain", Self.policy, "a b+c%d&e=f", "中文/ü😀", "~-._", "\u{0}\u{7f}", "acs:ram::1:role/x"]
        for (index, value) in values.enumerated() {
            let parameters = [QueryItem("Z\(index)", value), QueryItem("Signature", "ignored"), QueryItem("a b", value),
                              QueryItem("Z\(index)", "second of a name is ignored"), QueryItem("Action", "AssumeRole")]
            // The specification's composition: the canonicalized query built, then encoded as a whole.
            let canonicalized = RPCSignature.signedParameters(parameters)
                .map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }
                .joined(separator: "&")
            let composed = "POST&" + PercentEncoding.encode("/") + "&" + PercentEncoding.encode(canonicalized)
            #expect(RPCSignature.stringToSign(method: "post", parameters: parameters) == composed, "\(value)")
        }
    }

    @Test func acs3AssumeRoleFromTeaSDK() throws {
        let query = [
            QueryItem("DurationSeconds", "3600"), QueryItem("Policy", Self.policy),
            QueryItem("RoleArn", "acs:ram::1234567890123456:role/app-role"), QueryItem("RoleSessionName", "session1"),
        ]
        let headers: [(name: String, value: String)] = [
            ("host", "sts.cn-hangzhou.aliyuncs.com"), ("x-acs-version", "2015-04-01"), ("x-acs-action", "AssumeRole"),
            ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11 Core/1.0 TeaDSL/2"),
            ("x-acs-date", "2025-01-01T00:00:00Z"), ("x-acs-signature-nonce", "3bd3e1a06ec54ee7a2b10e4d0b1c9f00"),
            ("accept", "application/json"), ("x-acs-content-sha256", ACS3Signature.payloadHash([])),
            ("x-acs-credentials-provider", "static_ak"),
        ]
        let authorization = try #require(ACS3Signature.Authorization(parsing:
            "ACS3-HMAC-SHA256 Credential=LTAI5tXmplAccessKeyId,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=69d8cb83ad650d7c163b334500b1d6a86786bf0dcbc33634315ed0c2a9ec34f3"))
        #expect(authorization.accessKeyId == "LTAI5tXmplAccessKeyId")
        let canonical = ACS3Signature.canonicalRequest(
            method: "POST", query: query, headers: headers, signedHeaders: authorization.signedHeaders,
            payloadHash: ACS3Signature.payloadHash([]))
        #expect(canonical == "POST\n/\nDurationSeconds=3600&Policy=%7B%22Version%22%3A%221%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22oss%3APutObject%22%5D%2C%22Resource%22%3A%5B%22acs%3Aoss%3A%2A%3A%2A%3Aexamplebucket%2Fuser1%2F%2A%22%5D%7D%5D%7D&RoleArn=acs%3Aram%3A%3A1234567890123456%3Arole%2Fapp-role&RoleSessionName=session1\naccept:application/json\nhost:sts.cn-hangzhou.aliyuncs.com\nuser-agent:AlibabaCloud (Linux; x86_64) Python/3.11 Core/1.0 TeaDSL/2\nx-acs-action:AssumeRole\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-credentials-provider:static_ak\nx-acs-date:2025-01-01T00:00:00Z\nx-acs-signature-nonce:3bd3e1a06ec54ee7a2b10e4d0b1c9f00\nx-acs-version:2015-04-01\n\naccept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let signature = ACS3Signature.signature(stringToSign: ACS3Signature.stringToSign(canonicalRequest: canonical),
                                                secret: "XmplAccessKeySecret0123456789abc")
        #expect(signature == authorization.signature)
    }

    @Test(arguments: ["ACS3-HMAC-SHA256 Credential=a,Signature=b", "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=b",
                      "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host", "ACS3 Credential=a,SignedHeaders=h,Signature=b",
                      "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=h,Signature=b,Extra=1"])
    func acs3RejectsMalformedAuthorization(value: String) {
        #expect(ACS3Signature.Authorization(parsing: value) == nil)
    }
}
