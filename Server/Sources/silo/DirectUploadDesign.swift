import SiloClient
import SiloCore

/// The seed's direct-upload design in RAM terms, provisioned by `silo init` (on the local store) and by
/// `silo demo setup` (through the admin API): the application server's user may assume one role; the role may put
/// and get under `users/` in the bucket; each vended token's session policy narrows it to `users/<uid>/`.
enum DirectUploadDesign {
    static let userName = "app-server"
    static let roleName = "mobile-uploader"
    static let assumePolicyName = "app-server-assume-uploader"
    static let uploaderPolicyName = "mobile-uploader-files"
    static let actions = ["oss:PutObject", "oss:GetObject", "oss:ListParts", "oss:AbortMultipartUpload"]

    static func trustPolicy(accountId: String) -> String {
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::\#(accountId):root"]}}]}"#
    }

    static func assumePolicy(roleArn: String) -> String {
        #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"\#(roleArn)"}]}"#
    }

    static func uploaderPolicy(bucket: String) -> String {
        let list = actions.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"Version":"1","Statement":[{"Effect":"Allow","Action":[\#(list)],"Resource":"acs:oss:*:*:\#(bucket)/users/*"}]}"#
    }

    struct AppServerSettings {
        var header: String
        var stsEndpoint: String
        var accessKeyId: String
        var accessKeySecret: String
        var roleArn: String
        var storageEndpoint: String
        var bucket: String
        var region: String
        var callbackURL: String
        /// The HMAC key of the bucket's media job webhooks, which the app server verifies.
        var mediaNotifySecret: String
        var database: String
    }

    /// What the uploader page needs from storage's CORS: its requests (signed in the page, so any header), and the
    /// ETag of each part and the request id in the answers.
    static func uploaderCORS(appOrigin: String) -> CORSConfiguration {
        CORSConfiguration(rules: [CORSConfiguration.Rule(
            allowedOrigins: [appOrigin], allowedMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"], allowedHeaders: ["*"],
            exposeHeaders: ["ETag", "x-oss-request-id", "x-oss-hash-crc64ecma"], maxAgeSeconds: 600)])
    }

    /// The application server's configuration (YAML); it holds the app server's key, so it is written 0600.
    static func appServerConfiguration(_ settings: AppServerSettings) -> String {
        """
        # \(settings.header) Holds the app server's RAM key: keep this file private (0600).
        sts:
          endpoint: \(settings.stsEndpoint)
          access_key_id: \(settings.accessKeyId)
          access_key_secret: \(settings.accessKeySecret)
          role_arn: \(settings.roleArn)
          duration_seconds: 1800
        storage:
          endpoint: \(settings.storageEndpoint)
          bucket: \(settings.bucket)
          region: \(settings.region)
        policy_templates:
          - name: own-files
            actions: [\(actions.joined(separator: ", "))]
            resources: ["users/${uid}/*"]
        auth:
          accounts:
            enabled: true
            registration: true
        callback:
          url: \(settings.callbackURL)
          public_key_urls: ["\(settings.storageEndpoint)/-/callback/public-key.pem"]
        media_notify:
          secret: \(settings.mediaNotifySecret)
        database: \(settings.database)

        """
    }
}
