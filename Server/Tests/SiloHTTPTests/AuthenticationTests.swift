import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SiloCore
import Testing

/// Signature handling through the real HTTP stack (sockets included), signed by SiloCore as a client would.
@Suite struct AuthenticationTests {
    @Test func v1AndV4RoundTrip() async throws {
        let fixture = try await Fixture()
        try await fixture.run { client in
            let create = try await client.execute(uri: "/bk1/", method: .put, headers: Fixture.signV1(.put, bucket: "bk1", key: nil))
            #expect(create.status == .ok)
            let body = ByteBuffer(string: "hello")
            let put = try await client.execute(
                uri: Fixture.path("bk1", "dir/a b+c.txt"), method: .put,
                headers: Fixture.signV4(.put, bucket: "bk1", key: "dir/a b+c.txt"), body: body)
            #expect(put.status == .ok)
            #expect(put.headers[HTTPField.Name("x-oss-hash-crc64ecma")!] == String(CRC64.checksum(Array("hello".utf8))))
            let get = try await client.execute(
                uri: Fixture.path("bk1", "dir/a b+c.txt"), method: .get, headers: Fixture.signV1(.get, bucket: "bk1", key: "dir/a b+c.txt"))
            #expect(String(buffer: get.body) == "hello")
            #expect(get.headers[.eTag] == "\"5D41402ABC4B2A76B9719D911017C592\"")
        }
    }

    @Test func wrongV4RegionOnHeadTravelsInHeaders() async throws {
        let fixture = try await Fixture()
        try await fixture.run { client in
            let response = try await client.execute(
                uri: Fixture.path("bk1", "a.txt"), method: .head,
                headers: Fixture.signV4(.head, bucket: "bk1", key: "a.txt", region: "cn-hangzhou-test-1"))
            #expect(response.status == .badRequest)
            #expect(response.headers[HTTPField.Name("x-oss-ec")!] == "0002-00000226")
            let encoded = try #require(response.headers[HTTPField.Name("x-oss-err")!])
            let xml = String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
            #expect(xml.contains("<Code>InvalidArgument</Code>"))
            #expect(xml.contains("<Message>Invalid signing region in Authorization header.</Message>"))
            #expect(xml.contains("<RequestId>\(response.headers[HTTPField.Name("x-oss-request-id")!] ?? "-")</RequestId>"))
        }
    }

    @Test func skewedRequestsAreRefusedInBothVersions() async throws {
        let fixture = try await Fixture()
        try await fixture.run { client in
            for headers in [Fixture.signV1(.get, bucket: nil, key: nil, date: Fixture.now + 3600),
                            Fixture.signV4(.get, bucket: nil, key: nil, date: Fixture.now - 3600)] {
                let response = try await client.execute(uri: "/", method: .get, headers: headers)
                #expect(response.status == .forbidden)
                #expect(Fixture.code(response.body) == "RequestTimeTooSkewed")
                #expect(String(buffer: response.body).contains("The difference between the request time and the current time is too large."))
            }
            let fresh = try await client.execute(uri: "/", method: .get, headers: Fixture.signV4(.get, bucket: nil, key: nil, date: Fixture.now + 600))
            #expect(fresh.status == .ok)
        }
    }

    @Test func presignedV4Limits() async throws {
        let fixture = try await Fixture()
        try await fixture.run { client in
            _ = try await client.execute(uri: "/bk1/", method: .put, headers: Fixture.signV1(.put, bucket: "bk1", key: nil))
            _ = try await client.execute(uri: "/bk1/k", method: .put, headers: Fixture.signV1(.put, bucket: "bk1", key: "k"),
                                         body: ByteBuffer(string: "v"))
            let valid = try await client.execute(
                uri: "/bk1/k?" + Fixture.presignV4(.get, bucket: "bk1", key: "k", expires: 60), method: .get)
            #expect(String(buffer: valid.body) == "v")
            let expired = try await client.execute(
                uri: "/bk1/k?" + Fixture.presignV4(.get, bucket: "bk1", key: "k", expires: 60, date: Fixture.now - 3600), method: .get)
            #expect(expired.status == .forbidden && String(buffer: expired.body).contains("Request has expired."))
            for expires: Int64 in [0, 604_801] {
                let response = try await client.execute(
                    uri: "/bk1/k?" + Fixture.presignV4(.get, bucket: "bk1", key: "k", expires: expires), method: .get)
                #expect(response.status == .badRequest && Fixture.code(response.body) == "InvalidArgument")
            }
            let tampered = try await client.execute(
                uri: "/bk1/other?" + Fixture.presignV4(.get, bucket: "bk1", key: "k", expires: 60), method: .get)
            #expect(Fixture.code(tampered.body) == "SignatureDoesNotMatch")
        }
    }

    @Test func credentialErrors() async throws {
        let fixture = try await Fixture()
        try await fixture.run { client in
            let wrongSecret = try await client.execute(uri: "/", method: .get,
                                                       headers: Fixture.signV1(.get, bucket: nil, key: nil, secret: "nope"))
            #expect(wrongSecret.status == .forbidden && Fixture.code(wrongSecret.body) == "SignatureDoesNotMatch")
            #expect(String(buffer: wrongSecret.body).contains("<StringToSign>GET\n\n\n"))
            var unknown = Fixture.signV1(.get, bucket: nil, key: nil)
            unknown[.authorization] = "OSS someone:abc="
            let unknownKey = try await client.execute(uri: "/", method: .get, headers: unknown)
            #expect(unknownKey.status == .forbidden && Fixture.code(unknownKey.body) == "InvalidAccessKeyId")
            let partial = try await client.execute(uri: "/bk1/k?OSSAccessKeyId=x&Expires=1", method: .get)
            #expect(partial.status == .forbidden && Fixture.code(partial.body) == "AccessDenied")
            var both = Fixture.signV1(.get, bucket: "bk1", key: "k")
            both[.contentType] = nil
            let doubled = try await client.execute(uri: "/bk1/k?Signature=x&OSSAccessKeyId=y&Expires=9999999999",
                                                   method: .get, headers: both)
            #expect(doubled.status == .badRequest)
            let malformed = try await client.execute(uri: "/", method: .get, headers: [.authorization: "OSS nocolon"])
            #expect(malformed.status == .badRequest && Fixture.code(malformed.body) == "InvalidArgument")
        }
    }
}
