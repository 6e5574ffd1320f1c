import ArgumentParser
import Foundation
import SiloClient
import SiloCore
import SiloIAM

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

    func run() async throws {
        typealias Design = DirectUploadDesign
        let client = try admin.client()
        defer { Task { try? await client.client.shutdown() } }
        // The uploader page (`/app/` on the app server) calls storage from the browser: its origin may. Set on every
        // run, so a data folder from before the page gets it too.
        try await client.client.bucket(bucket).setCORS(Design.uploaderCORS(appOrigin: "http://\(appServerAddress)"))
        if FileManager.default.fileExists(atPath: output) {
            print("demo setup: \(output) exists; keeping it")
            return
        }
        /// A create that finds its entity already there (409) is what a second run expects.
        func tolerateConflict(_ body: () async throws -> Void) async throws {
            do {
                try await body()
            } catch let error as OSSClientError {
                guard case .server(409, _, _, _, _) = error else { throw error }
            }
        }
        try await tolerateConflict {
            _ = try await client.call(AdminAPI.createUser, body: AdminCreateUser(name: Design.userName, displayName: "Demo app server"))
        }
        let key = try await client.call(AdminAPI.createAccessKey, path: UserPath(user: Design.userName))
        try await tolerateConflict {
            _ = try await client.call(AdminAPI.createRole, body: AdminCreateRole(
                name: Design.roleName, description: "Assumed per app user by the demo app server"))
        }
        let arn = try await client.call(AdminAPI.getRole, path: RolePath(role: Design.roleName)).arn
        guard let secret = key.accessKeySecret else { throw ValidationError("the admin API did not return the new key's secret") }
        let keyId = key.accessKeyId
        try await tolerateConflict {
            _ = try await client.call(AdminAPI.createPolicy, body: AdminCreatePolicy(
                name: Design.assumePolicyName, document: Design.assumePolicy(roleArn: arn)))
        }
        _ = try await client.call(AdminAPI.attachPolicyToUser,
                                  path: UserPolicyPath(user: Design.userName, policy: Design.assumePolicyName))
        // The role may do everything any user may; each token's session policy narrows it to one user's prefix.
        try await tolerateConflict {
            _ = try await client.call(AdminAPI.createPolicy, body: AdminCreatePolicy(
                name: Design.uploaderPolicyName, document: Design.uploaderPolicy(bucket: bucket)))
        }
        _ = try await client.call(AdminAPI.attachPolicyToRole,
                                  path: RolePolicyPath(role: Design.roleName, policy: Design.uploaderPolicyName))

        // The bucket's media jobs report their renditions to the app server, signed with a key only the two share.
        let mediaNotifySecret = RandomText.alphanumeric(43)
        _ = try await client.call(AdminAPI.putBucketMediaNotification, path: BucketPath(bucket: bucket),
                                  body: AdminMediaNotification(endpoint: "http://\(appServerAddress)/v1/media/notify",
                                                               secret: mediaNotifySecret))

        let endpoint = admin.endpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let yaml = Design.appServerConfiguration(.init(
            header: "Written by `silo demo setup`.", stsEndpoint: stsEndpoint, accessKeyId: keyId, accessKeySecret: secret,
            roleArn: arn, storageEndpoint: endpoint, bucket: bucket, region: admin.region,
            callbackURL: "http://\(appServerAddress)/v1/callback", mediaNotifySecret: mediaNotifySecret,
            database: "app-server.sqlite"))
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: output, contents: Data(yaml.utf8), attributes: [.posixPermissions: 0o600])
        print("demo setup: user \(DirectUploadDesign.userName) (key \(keyId)), role \(arn); wrote \(output)")
    }
}
