import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import SiloClient

@testable import SiloAppServer

enum Fixtures {
    static let yaml = """
        sts:
          endpoint: http://127.0.0.1:9100
          access_key_id: LTAIappserver
          access_key_secret: app-secret
          role_arn: acs:ram::1234567890:role/mobile-uploader
        storage:
          endpoint: http://127.0.0.1:9000
          bucket: demo
          region: cn-hangzhou
        policy_templates:
          - actions: [oss:PutObject, oss:GetObject]
            resources: ["users/${uid}/*"]
        callback:
          url: http://127.0.0.1:9200/v1/callback
          public_key_urls: ["http://127.0.0.1:9000/-/callback/public-key.pem"]
        """

    /// One folder per test process, removed when the process exits: tests hand out paths (databases, key files)
    /// that outlive the test function's scope, so no `defer` could remove them at the right time.
    static let processFolder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("silo-app-tests-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.processFolder) }
        return path
    }()

    static func temporaryDirectory() -> String {
        let path = processFolder + "/" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func configuration(_ edit: (inout AppServerConfiguration) -> Void = { _ in }) throws -> AppServerConfiguration {
        var configuration = try AppServerConfiguration.parse(yaml)
        configuration.database = temporaryDirectory() + "/app.sqlite"
        edit(&configuration)
        return configuration
    }

    /// Cheap scrypt parameters: the tests check behaviour, not cost.
    static let hasher = PasswordHasher(rounds: 1 << 4, blockSize: 8, parallelism: 1)
}

/// An STS that answers AssumeRole from a closure and remembers each request's parameters.
final class STSStub: Transport, Sendable {
    let requests = NIOLockedValueBox<[[String: String]]>([])
    let answer: @Sendable ([String: String]) -> (Int, String)

    init(answer: @escaping @Sendable ([String: String]) -> (Int, String) = STSStub.success) {
        self.answer = answer
    }

    static let success: @Sendable ([String: String]) -> (Int, String) = { parameters in
        (200, """
            {"RequestId":"r1","AssumedRoleUser":{"Arn":"acs:ram::1:role/x/\(parameters["RoleSessionName"] ?? "")","AssumedRoleId":"1:x"},
             "Credentials":{"AccessKeyId":"STS.key-\(parameters["RoleSessionName"] ?? "")","AccessKeySecret":"temp-secret",
             "SecurityToken":"token-for-\(parameters["RoleSessionName"] ?? "")","Expiration":"2030-01-01T00:30:00Z"}}
            """)
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let query = request.head.path?.split(separator: "?", maxSplits: 1).last.map(String.init) ?? ""
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { parameters[parts[0]] = parts[1] }
        }
        requests.withLockedValue { $0.append(parameters) }
        let (status, body) = answer(parameters)
        return TransportResponse(head: HTTPResponse(status: .init(code: status)), body: .data(Data(body.utf8)))
    }
}
