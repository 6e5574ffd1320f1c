import ArgumentParser
import Foundation
import Logging
import SiloCore
import SiloDomain
import SiloIAM
import SiloMetadataSQLite
import SiloStorage

/// `silo init`: one step from an empty server to the direct-upload design of the seed (what its ROS stack did):
/// the data folder with its keys, the bucket, a RAM user for the application server with the right to assume a
/// role, the role apps act as (narrowed per user by the token's session policy), the TLS certificate, and every
/// configuration file, written private. It ends by printing what a mobile app needs.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Provision a single-server deployment: data folder, bucket, RAM user, role and policies, TLS, and configuration files.")

    @Option(help: "The name (or IP address) phones use to reach this server.")
    var domain: String

    @Option(help: "Silo's data folder (the systemd unit's StateDirectory).")
    var dataDir: String = "/var/lib/silo"

    @Option(help: "Where the configuration files go (the systemd units read /etc/silo).")
    var configDir: String = "/etc/silo"

    @Option(help: "The application server's data folder (its StateDirectory).")
    var appDataDir: String = "/var/lib/silo-app"

    @Option(help: "The bucket apps upload to.")
    var bucket: String = "uploads"

    @Option(help: "Public port of the OSS API.")
    var ossPort: Int = 443

    @Option(help: "Public port of the STS API.")
    var stsPort: Int = 9100

    @Option(help: "Public port of the application server.")
    var appPort: Int = 9200

    @Option(help: "A PEM certificate chain for --domain; without it, a development CA and certificate are made (docs/DEPLOY.md).")
    var tlsCert: String?

    @Option(help: "The PEM key of --tls-cert.")
    var tlsKey: String?

    func run() async throws {
        try Names.validateBucketName(bucket)
        for file in ["silo.env", "app.yaml"] where FileManager.default.fileExists(atPath: configDir + "/" + file) {
            throw ValidationError("\(configDir)/\(file) exists: this server is initialized already")
        }
        PrivateFiles.restrictNewFiles()
        for folder in [dataDir, configDir, appDataDir] { try BackupFolders.makePrivate(folder) }

        // Keys the server would make at its first start, made now so the configuration can name them.
        let identity = try RootIdentity.load(dataDirectory: dataDir, environment: [:])
        _ = try MasterKey.load(dataDirectory: dataDir, environment: [:])
        _ = try CallbackKey.load(dataDirectory: dataDir)
        let tls = try await certificate()

        let metadata = try SQLiteMetadataStore(path: dataDir + "/metadata.sqlite")
        _ = try await metadata.createBucket(BucketRecord(
            name: bucket, owner: identity.accountId, createdAt: Int64(Date().timeIntervalSince1970), acl: .private,
            storageClass: .standard))
        let iam = IAMService(
            store: metadata, accountId: identity.accountId, rootAccessKeyId: identity.accessKeyId,
            rootSecret: identity.accessKeySecret,
            masterKey: try MasterKey.load(dataDirectory: dataDir, environment: [:]),
            settings: STSSettings(), nonces: InMemoryNonceRegistry(), clock: { Int64(Date().timeIntervalSince1970) })
        try await iam.bootstrap()
        let (key, secret, roleArn) = try await provision(iam, accountId: identity.accountId)

        // The bucket's media jobs report their renditions to the app server, signed with a key only the two share.
        let mediaNotifySecret = RandomText.alphanumeric(43)
        try await MediaNotificationService(buckets: metadata, iam: iam).set(
            bucket: bucket, endpoint: "https://\(domain):\(appPort)/v1/media/notify", secret: mediaNotifySecret)
        let storage = "https://\(domain)" + (ossPort == 443 ? "" : ":\(ossPort)")
        try write("silo.env", """
            # silo server (deploy/systemd/silo.service). Secrets go here, never in the unit's command line.
            SILO_PUBLIC_ENDPOINT=\(domain):\(ossPort)
            SILO_LOG_LEVEL=info

            """)
        try write("app.yaml", DirectUploadDesign.appServerConfiguration(.init(
            header: "silo app-server (deploy/systemd/silo-app-server.service), written by `silo init`.",
            stsEndpoint: "https://\(domain):\(stsPort)", accessKeyId: key, accessKeySecret: secret, roleArn: roleArn,
            storageEndpoint: storage, bucket: bucket, region: "cn-hangzhou",
            callbackURL: "https://\(domain):\(appPort)/v1/callback", mediaNotifySecret: mediaNotifySecret,
            database: "\(appDataDir)/app-server.sqlite")))
        print("""
            Silo is initialized for \(domain).
              data folder   : \(dataDir) (master key, callback key, root identity: keep private, back up with `silo backup`)
              configuration : \(configDir)/silo.env, \(configDir)/app.yaml (0600), TLS in \(tls.folder)
              bucket        : \(bucket)
              RAM           : user \(DirectUploadDesign.userName) (key \(key)) may assume \(roleArn), which may put and get \
            users/* in \(bucket); each token narrows it to users/<uid>/*
            Next: install deploy/systemd/*.service, then `systemctl enable --now silo silo-app-server`.

            What a mobile app needs:
              app server    : https://\(domain):\(appPort)   (POST /v1/sessions, then GET /v1/token with the session)
              storage       : \(storage)   bucket \(bucket), region cn-hangzhou, keys under users/<uid>/
            """ + (tls.devCA.map { "\n  trust         : install \($0) on test devices (docs/DEPLOY.md); use a public CA in production\n" } ?? "\n"))
    }

    /// The certificate the listeners serve: the one given, or a development one for --domain.
    func certificate() async throws -> (folder: String, devCA: String?) {
        let folder = configDir + "/tls"
        if let tlsCert, let tlsKey {
            try BackupFolders.copyFile(tlsCert, folder + "/cert.pem")
            try BackupFolders.copyFile(tlsKey, folder + "/key.pem")
            return (folder, nil)
        }
        guard tlsCert == nil && tlsKey == nil else { throw ValidationError("--tls-cert and --tls-key go together") }
        let dev = try DevCertificate.parse(["--dir", folder, "--host", domain])
        try await dev.run()
        return (folder, folder + "/ca.pem")
    }

    /// The application server's user and the role it hands out, with the seed's policies. Answers its key and
    /// the role's ARN.
    func provision(_ iam: IAMService, accountId: String) async throws -> (String, String, String) {
        typealias Design = DirectUploadDesign
        _ = try await iam.createUser(name: Design.userName, displayName: "Application server")
        let (key, secret) = try await iam.createAccessKey(user: Design.userName)
        _ = try await iam.createRole(name: Design.roleName, trustPolicy: Design.trustPolicy(accountId: accountId),
                                     maxSessionDuration: 3600, description: "Assumed by the application server for each app user")
        let roleArn = iam.roleArn(Design.roleName)
        _ = try await iam.createPolicy(name: Design.assumePolicyName, document: Design.assumePolicy(roleArn: roleArn),
                                       description: "The application server may assume the uploader role")
        try await iam.attach(policy: Design.assumePolicyName, to: .user(Design.userName))
        _ = try await iam.createPolicy(name: Design.uploaderPolicyName, document: Design.uploaderPolicy(bucket: bucket),
                                       description: "What app users may do; each token narrows it to one user's prefix")
        try await iam.attach(policy: Design.uploaderPolicyName, to: .role(Design.roleName))
        return (key.accessKeyId, secret, roleArn)
    }

    func write(_ name: String, _ text: String) throws {
        let path = configDir + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write \(path)") }
    }
}
