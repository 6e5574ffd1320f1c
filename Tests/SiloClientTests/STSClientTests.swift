import Foundation
import SiloCore
import Testing

@testable import SiloClient

/// `STSClient.assumeRole` reading STS's JSON answers: credentials, error documents and broken answers.
@Suite struct STSClientTests {
    private func client(status: Int, body: String) -> STSClient {
        let transport = MockTransport { _, _ in MockTransport.response(status, body: Data(body.utf8)) }
        return STSClient(endpoint: URL(string: "http://127.0.0.1:9100")!, accessKeyId: "AK", accessKeySecret: "SK",
                         transport: transport)
    }

    @Test func readsTheCredentialsAndTheAssumedUser() async throws {
        let answer = #"""
            {"RequestId":"R1","AssumedRoleUser":{"Arn":"acs:ram::1:role/app/alice","AssumedRoleId":"3:alice"},
             "Credentials":{"AccessKeyId":"STS.k","AccessKeySecret":"s\/cret","SecurityToken":"CAIS+tok=","Expiration":"2026-12-06T00:30:00Z"}}
            """#
        let assumed = try await client(status: 200, body: answer).assumeRole(roleArn: "acs:ram::1:role/app", sessionName: "alice")
        #expect(assumed.credentials.accessKeyId == "STS.k")
        #expect(assumed.credentials.accessKeySecret == "s/cret")
        #expect(assumed.credentials.securityToken == "CAIS+tok=")
        #expect(assumed.credentials.expiration == Date(timeIntervalSince1970: 1_796_517_000))
        #expect(assumed.expiration == "2026-12-06T00:30:00Z")
        #expect(assumed.arn == "acs:ram::1:role/app/alice")
        #expect(assumed.assumedRoleId == "3:alice")
        #expect(assumed.requestId == "R1")
    }

    @Test func sendsASignedQuery() async throws {
        let transport = MockTransport { _, _ in MockTransport.response(404, body: Data(#"{"Code":"X"}"#.utf8)) }
        let client = STSClient(endpoint: URL(string: "http://127.0.0.1:9100")!, accessKeyId: "AK", accessKeySecret: "SK",
                               transport: transport)
        _ = try? await client.assumeRole(roleArn: "acs:ram::1:role/app", sessionName: "alice",
                                         policy: #"{"Statement":[{"Resource":["acs:oss:*:*:b/users/alice/*"]}],"Version":"1"}"#)
        let request = try #require(transport.requests.first)
        let path = try #require(request.head.path)
        #expect(request.head.method == .post && path.hasPrefix("/?"))
        let query = try #require(QueryParameters(parsing: path.dropFirst(2))).items
        let value = { (name: String) in query.first { $0.name == name }?.value }
        #expect(value("Action") == "AssumeRole" && value("RoleSessionName") == "alice")
        #expect(value("Policy") == #"{"Statement":[{"Resource":["acs:oss:*:*:b/users/alice/*"]}],"Version":"1"}"#)
        let signed = query.filter { $0.name != "Signature" }
        #expect(value("Signature") == RPCSignature.signature(
            stringToSign: RPCSignature.stringToSign(method: "POST", parameters: signed), secret: "SK"))
    }

    @Test func anErrorDocumentBecomesAServerError() async throws {
        let answer = #"{"RequestId":"R2","HostId":"sts","Code":"EntityNotExist.Role","Message":"The role does not exist."}"#
        do {
            _ = try await client(status: 404, body: answer).assumeRole(roleArn: "acs:ram::1:role/x", sessionName: "alice")
            Issue.record("an error answer must throw")
        } catch let error as OSSClientError {
            guard case .server(let status, let code, let message, let requestId, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(status == 404 && code == "EntityNotExist.Role" && message == "The role does not exist." && requestId == "R2")
        }
    }

    @Test func anAnswerThatIsNotJSONKeepsItsStatus() async throws {
        do {
            _ = try await client(status: 502, body: "<html>bad gateway</html>").assumeRole(roleArn: "acs:ram::1:role/x", sessionName: "al")
            Issue.record("must throw")
        } catch let error as OSSClientError {
            guard case .server(502, "HTTP502", _, _, _) = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test(arguments: [
        #"{"RequestId":"R3"}"#,
        #"{"Credentials":{"AccessKeyId":"STS.k","AccessKeySecret":"s","Expiration":"2026-12-06T00:30:00Z"}}"#,
        #"{"Credentials":{"AccessKeyId":"STS.k","AccessKeySecret":"s","SecurityToken":"t","Expiration":"soon"}}"#,
        #"{"Credentials":{"AccessKeyId":7,"AccessKeySecret":"s","SecurityToken":"t","Expiration":"2026-12-06T00:30:00Z"}}"#,
        "not json",
    ])
    func aSuccessWithoutUsableCredentialsIsAnInvalidResponse(answer: String) async throws {
        do {
            _ = try await client(status: 200, body: answer).assumeRole(roleArn: "acs:ram::1:role/x", sessionName: "al")
            Issue.record("must throw")
        } catch let error as OSSClientError {
            guard case .invalidResponse = error else { Issue.record("unexpected \(error)"); return }
        }
    }
}
