import Crypto
import Foundation
import Testing

@testable import SiloCore

/// Spec §13: callback parameters, variable substitution and the signed string.
@Suite struct CallbackTests {
    static let specCallback = "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9hcHAuZXhhbXBsZS5jb206MjM0NTAvb3NzLWNhbGxiYWNrIiwiY2FsbGJhY2tIb3N0IjoiYXBwLmV4YW1wbGUuY29tIiwiY2FsbGJhY2tCb2R5IjoiYnVja2V0PSR7YnVja2V0fSZvYmplY3Q9JHtvYmplY3R9JmV0YWc9JHtldGFnfSZzaXplPSR7c2l6ZX0mbWltZVR5cGU9JHttaW1lVHlwZX0mbXlfdmFyPSR7eDpteV92YXJ9IiwiY2FsbGJhY2tCb2R5VHlwZSI6ImFwcGxpY2F0aW9uL3gtd3d3LWZvcm0tdXJsZW5jb2RlZCJ9"

    static func encode(_ json: String) -> String { Data(json.utf8).base64EncodedString() }

    @Test func parsesTheSpecExample() throws {
        let callback = try CallbackConfiguration(base64: Self.specCallback)
        #expect(callback.urls == [URL(string: "http://app.example.com:23450/oss-callback")!])
        #expect(callback.host == "app.example.com")
        #expect(callback.bodyType == .form)
        #expect(try CallbackConfiguration.variables(base64: "eyJ4Om15X3ZhciI6ImhlbGxvIn0=") == ["x:my_var": "hello"])
    }

    @Test func encodesWhatItParses() throws {
        let original = try CallbackConfiguration(base64: Self.specCallback)
        let again = try CallbackConfiguration(base64: original.base64)
        #expect(again == original)
        let json = CallbackConfiguration(urls: [URL(string: "http://a.example/cb?x=1")!, URL(string: "https://b.example/cb")!],
                                         bodyTemplate: #"{"k":${object}}"#, bodyType: .json)
        #expect(try CallbackConfiguration(base64: json.base64) == json)
        let variables = CallbackConfiguration.encodeVariables(["x:uid": "alice", "x:note": "a/b"])
        #expect(try CallbackConfiguration.variables(base64: variables) == ["x:uid": "alice", "x:note": "a/b"])
    }

    @Test func rendersAFormBodyURLEncoded() throws {
        let callback = try CallbackConfiguration(base64: Self.specCallback)
        let body = try CallbackTemplate(callback.bodyTemplate).render([
            "bucket": .text("callback-test"), "object": .text("dir/a b.txt"), "etag": .text("D8E8FCA2DC0F896FD7CB4CB0031BA249"),
            "size": .number(5), "mimeType": .text("text/plain"), "x:my_var": .text("hello"),
        ], as: callback.bodyType)
        #expect(body == "bucket=callback-test&object=dir%2Fa%20b.txt&etag=D8E8FCA2DC0F896FD7CB4CB0031BA249&size=5&mimeType=text%2Fplain&my_var=hello")
    }

    @Test func rendersAJSONBodyWithTypedValues() throws {
        let template = try CallbackTemplate(#"{"key":${object},"size":${size},"h":${imageInfo.height},"note":${x:note}}"#)
        let body = template.render(["object": .text("users/42/\"q\".jpg"), "size": .number(1234), "x:note": .text("line\nbreak")],
                                   as: .json)
        #expect(body == #"{"key":"users/42/\"q\".jpg","size":1234,"h":"","note":"line\nbreak"}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(body.utf8)) is [String: Any])
    }

    @Test(arguments: [
        #"{"callbackBody":"a=${bucket}"}"#,
        #"{"callbackUrl":"ftp://x/","callbackBody":"a"}"#,
        #"{"callbackUrl":"http://a;http://b;http://c;http://d;http://e;http://f","callbackBody":"a"}"#,
        #"{"callbackUrl":"http://a/","callbackBody":""}"#,
        #"{"callbackUrl":"http://a/","callbackBody":"a","callbackBodyType":"text/xml"}"#,
        #"{"callbackUrl":"http://a/","callbackBody":"a=${bucket"}"#,
        "not json",
    ])
    func rejectsBadConfigurations(json: String) {
        do {
            _ = try CallbackConfiguration(base64: Self.encode(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.code == "InvalidArgument")
        }
    }

    @Test func rejectsNonBase64AndBadVariables() throws {
        #expect(throws: OSSError.self) { _ = try CallbackConfiguration(base64: "%%%") }
        #expect(try CallbackConfiguration.variables(base64: Self.encode(#"{"uid":"1","x:a":"b"}"#)) == ["x:a": "b"])
        #expect(throws: OSSError.self) { _ = try CallbackConfiguration.variables(base64: Self.encode(#"{"x:n":1}"#)) }
        #expect(throws: OSSError.self) {
            _ = try CallbackConfiguration(base64: String(repeating: "A", count: 6000))
        }
    }

    @Test func stringToSignMatchesTheSpecVector() {
        let text = CallbackStringToSign.make(path: "/index.php", rawQuery: "id=1&index=2", body: "bucket=yonghu-test")
        #expect(text == "/index.php?id=1&index=2\nbucket=yonghu-test")
        #expect(Hex.lower(Insecure.MD5.hash(data: Data(text.utf8))) == "5b74fc97cc385b45c6c8b7782d5a2140")
        #expect(CallbackStringToSign.make(path: "/a%20b", rawQuery: nil, body: "x") == "/a b\nx")
    }
}
