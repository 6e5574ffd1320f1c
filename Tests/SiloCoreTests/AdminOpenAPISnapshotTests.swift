import Foundation
import SiloCore
import Testing

/// The admin API's OpenAPI document is generated from `AdminAPI`; this snapshot makes every change to the
/// contract visible in review. After an intended change: `SILO_UPDATE_SNAPSHOTS=1 swift test --filter AdminOpenAPI`.
@Suite struct AdminOpenAPISnapshotTests {
    static let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/admin-openapi.json")

    @Test func theGeneratedDocumentMatchesTheSnapshot() throws {
        let generated = AdminOpenAPI.json()
        if ProcessInfo.processInfo.environment["SILO_UPDATE_SNAPSHOTS"] == "1" {
            try generated.write(to: Self.snapshot, atomically: true, encoding: .utf8)
        }
        let recorded = try String(contentsOf: Self.snapshot, encoding: .utf8)
        #expect(generated == recorded, "docs/admin-openapi.json differs from the generated document")
    }

    @Test func everyDocumentHasAnExampleThatRoundTrips() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for operation in AdminAPI.all {
            for type in [operation.body, operation.output] {
                let encoded = try encoder.encode(type.example)
                let decoded = try JSONDecoder().decode(type, from: encoded)
                #expect(try encoder.encode(decoded) == encoded, "\(type)")
            }
        }
    }

    @Test func pathsTemplatesAndResourcesAgree() {
        for operation in AdminAPI.all {
            for name in AdminPathTemplate.parameters(operation.resource) {
                #expect(operation.parameters.contains(name) || ["name"].contains(name), "\(operation.id) resource names {\(name)}")
            }
        }
        #expect(AdminPathTemplate.match("users/{user}/keys/{accessKeyId}", ["users", "alice", "keys", "K1"])
                == ["user": "alice", "accessKeyId": "K1"])
        #expect(AdminPathTemplate.match("users/{user}", ["users", ""]) == nil)
        #expect(AdminPathTemplate.fill("user/{user}", ["user": "bob"]) == "user/bob")
    }
}
