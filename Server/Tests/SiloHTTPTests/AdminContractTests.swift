import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SiloClient
import SiloClientAHC
import SiloCore
import SiloIAM
import Testing

@testable import SiloHTTP

/// The admin API is `AdminAPI`, once: the server routes every operation to a handler, and the SDK's typed
/// `AdminClient` talks to it through the same table.
@Suite struct AdminContractTests {
    @Test func everyOperationHasAHandlerAndAUniqueAddress() async throws {
        let fixture = try await Fixture()
        #expect(fixture.frontEnd.adminHandlers.missing.isEmpty, "\(fixture.frontEnd.adminHandlers.missing)")
        var addresses: Set<String> = []
        for operation in AdminAPI.all {
            #expect(addresses.insert(operation.method.rawValue + " " + operation.path).inserted, "\(operation.id)")
            #expect(operation.action.contains(":") && !operation.resource.isEmpty, "\(operation.id)")
        }
        #expect(Set(AdminAPI.all.map(\.id)).count == AdminAPI.all.count)
    }

    @Test func theTypedClientRoundTripsEveryKindOfCall() async throws {
        let fixture = try await Fixture()
        try await fixture.runLive { port in
            let transport = AsyncHTTPClientTransport()
            let client = OSSClient(endpoint: URL(string: "http://127.0.0.1:\(port)")!, region: Fixture.region,
                                   credentials: StaticCredentialsProvider(accessKeyId: Fixture.accessKeyId,
                                                                          accessKeySecret: Fixture.secret),
                                   transport: transport)
            defer { Task { try? await transport.shutdown() } }
            let admin = AdminClient(client)
            let user = try await admin.call(AdminAPI.createUser, body: AdminCreateUser(name: "carol", displayName: "Carol"))
            #expect(user.name == "carol" && user.displayName == "Carol")
            let key = try await admin.call(AdminAPI.createAccessKey, path: UserPath(user: "carol"))
            #expect(key.accessKeySecret?.isEmpty == false)
            let keys = try await admin.call(AdminAPI.listAccessKeys, path: UserPath(user: "carol"))
            #expect(keys.map(\.accessKeyId) == [key.accessKeyId] && keys.allSatisfy { $0.accessKeySecret == nil })
            _ = try await admin.call(AdminAPI.updateAccessKey, path: UserKeyPath(user: "carol", accessKeyId: key.accessKeyId),
                                     body: AdminUpdateAccessKey(status: "Inactive"))
            #expect(try await admin.call(AdminAPI.listAccessKeys, path: UserPath(user: "carol")).first?.status == "Inactive")
            _ = try await admin.call(AdminAPI.createPolicy, body: AdminCreatePolicy(
                name: "read", document: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}"#))
            _ = try await admin.call(AdminAPI.attachPolicyToUser, path: UserPolicyPath(user: "carol", policy: "read"))
            #expect(try await admin.call(AdminAPI.listPoliciesForUser, path: UserPath(user: "carol")).names == ["read"])
            let verdict = try await admin.call(AdminAPI.simulatePolicy, body: AdminSimulate(
                principal: "user/carol", action: "oss:PutObject", resource: "acs:oss:*:*:b/k"))
            #expect(!verdict.allowed && verdict.decision.contains("Implicitly denied"))
            let stats = try await admin.call(AdminAPI.getServerStats)
            #expect(stats.served >= 1)
            // A refusal carries the server's code and message to the caller.
            do {
                _ = try await admin.call(AdminAPI.getUser, path: UserPath(user: "nobody"))
                Issue.record("a missing user was found")
            } catch let error as OSSClientError {
                guard case .server(404, "EntityNotExist.User", let message, let requestId, _) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(message.contains("nobody") && !requestId.isEmpty)
            }
        }
    }

    /// A caller without permission is refused before its body is read: an oversized body would otherwise be
    /// answered "too large". Both kinds of operation: the path names the resource (UpdateAccessKey), and the
    /// body does (CreateUser, refused because no policy of the caller's could allow ram:CreateUser at all).
    @Test func callersWithoutPermissionAreRefusedBeforeTheirBodies() async throws {
        let fixture = try await Fixture()
        let iam = fixture.frontEnd.domain.iam
        _ = try await iam.createUser(name: "nobody", displayName: nil)
        let (key, secret) = try await iam.createAccessKey(user: "nobody")
        let oversized = ByteBuffer(repeating: UInt8(ascii: " "), count: 200 * 1024)
        try await fixture.run { client in
            for (method, path) in [(HTTPRequest.Method.post, "users"), (.put, "users/nobody/keys/\(key.accessKeyId)")] {
                let headers = Fixture.signV1(method, bucket: "-", key: "admin/v1/" + path, accessKeyId: key.accessKeyId,
                                             secret: secret)
                let response = try await client.execute(uri: "/-/admin/v1/" + path, method: method, headers: headers,
                                                         body: oversized)
                let text = String(buffer: response.body)
                #expect(response.status == .forbidden && text.contains("NoPermission"), "\(method) \(path): \(response.status) \(text)")
            }
            // The account root is allowed, so the same oversized body is read and refused for its size.
            let root = Fixture.signV1(.post, bucket: "-", key: "admin/v1/users")
            let response = try await client.execute(uri: "/-/admin/v1/users", method: .post, headers: root, body: oversized)
            #expect(response.status == .badRequest, "\(response.status) \(String(buffer: response.body))")
        }
    }

    @Test func theDocumentIsGeneratedFromTheTable() throws {
        let document = try #require(JSONSerialization.jsonObject(with: Data(AdminOpenAPI.json().utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for operation in AdminAPI.all {
            let entry = try #require(paths["/" + operation.path]?[operation.method.rawValue.lowercased()] as? [String: Any],
                                     "\(operation.id)")
            #expect(entry["operationId"] as? String == operation.id)
            #expect(entry["x-ram-action"] as? String == operation.action)
        }
    }
}
