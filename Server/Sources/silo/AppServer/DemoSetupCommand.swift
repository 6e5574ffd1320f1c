import ArgumentParser
import Foundation

/// `silo demo setup`: provisions what the seed's flow needs on a running Silo (a RAM user for the app server,
/// a role for app users, their policies) and writes the app server's configuration. Safe to run again: an
/// existing configuration is kept.
struct DemoSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup", abstract: "Create the demo RAM user, role and policies, and write an app-server configuration.")

    @OptionGroup var admin: AdminOptions

    @Option(help: "The STS endpoint the app server calls.")
    var stsEndpoint: String = "http://127.0.0.1:9100"

    @Option(help: "The bucket apps upload to (it must exist).")
    var bucket: String = "demo"

    @Option(help: "HOST:PORT the app server will listen on (for the callback URL).")
    var appServerAddress: String = "127.0.0.1:9200"

    @Option(help: "Where to write the app server's configuration.")
    var output: String = "./data/app-server.yaml"

    static let roleName = "mobile-uploader"
    static let userName = "app-server"

    func run() async throws {
        if FileManager.default.fileExists(atPath: output) {
            print("demo setup: \(output) exists; keeping it")
            return
        }
        let client = try admin.client()
        func call(_ method: String, _ path: String, _ body: [String: Any]? = nil, tolerate: Set<Int> = []) async throws -> [String: Any] {
            do {
                let data = try await client.call(method, path, body: body)
                return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            } catch let failure as AdminClient.Failure where tolerate.contains(failure.status) {
                return [:]
            }
        }
        _ = try await call("POST", "users", ["name": Self.userName, "displayName": "Demo app server"], tolerate: [409])
        let key = try await call("POST", "users/\(Self.userName)/keys")
        _ = try await call("POST", "roles", ["name": Self.roleName, "description": "Assumed per app user by the demo app server"],
                           tolerate: [409])
        guard let arn = try await call("GET", "roles/\(Self.roleName)")["arn"] as? String,
            let keyId = key["accessKeyId"] as? String, let secret = key["accessKeySecret"] as? String else {
            throw ValidationError("the admin API did not return the role ARN or the new key")
        }
        let assume = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"\#(arn)"}]}"#
        _ = try await call("POST", "policies", ["name": "demo-app-server-assume", "document": assume], tolerate: [409])
        _ = try await call("PUT", "users/\(Self.userName)/policies/demo-app-server-assume", tolerate: [409])
        // The role may do everything any user may; each token's session policy narrows it to one user's prefix.
        let role = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject","oss:ListParts","oss:AbortMultipartUpload"],"Resource":"acs:oss:*:*:\#(bucket)/users/*"}]}"#
        _ = try await call("POST", "policies", ["name": "demo-mobile-uploader", "document": role], tolerate: [409])
        _ = try await call("PUT", "roles/\(Self.roleName)/policies/demo-mobile-uploader", tolerate: [409])

        let endpoint = admin.endpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let yaml = """
            # Written by `silo demo setup`. The app server's own key: keep this file private.
            sts:
              endpoint: \(stsEndpoint)
              access_key_id: \(keyId)
              access_key_secret: \(secret)
              role_arn: \(arn)
              duration_seconds: 1800
            storage:
              endpoint: \(endpoint)
              bucket: \(bucket)
              region: \(admin.region)
            policy_templates:
              - name: own-files
                actions: [oss:PutObject, oss:GetObject, oss:ListParts, oss:AbortMultipartUpload]
                resources: ["users/${uid}/*"]
            auth:
              accounts:
                enabled: true
                registration: true
            callback:
              url: http://\(appServerAddress)/v1/callback
              public_key_urls: ["\(endpoint)/-/callback/public-key.pem"]
            database: app-server.sqlite

            """
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: output, contents: Data(yaml.utf8), attributes: [.posixPermissions: 0o600])
        print("demo setup: user \(Self.userName) (key \(keyId)), role \(arn); wrote \(output)")
    }
}
