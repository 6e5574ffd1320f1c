import Foundation
import Testing

@testable import SiloAppServer

@Suite struct ConfigurationTests {
    @Test func parsesWithDefaults() throws {
        let configuration = try AppServerConfiguration.parse(Fixtures.yaml)
        #expect(configuration.sts.durationSeconds == 1800)
        #expect(configuration.storage.bucket == "demo")
        #expect(configuration.auth.accounts?.enabled == true)
        #expect(configuration.auth.jwt == nil)
        #expect(configuration.rateLimits.perUser == .init(requests: 30, windowSeconds: 60))
        #expect(configuration.callback.url?.absoluteString == "http://127.0.0.1:9200/v1/callback")
    }

    static func failure(_ yaml: String) -> ConfigurationError? {
        do {
            _ = try AppServerConfiguration.parse(yaml)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            return ConfigurationError(field: "(other)", "\(error)")
        }
    }

    @Test(arguments: [
        ("  role_arn: acs:ram::1234567890:role/mobile-uploader\n", "", "sts.role_arn"),
        ("  duration_seconds: 1800\n", "", "sts.duration_seconds"),
        ("  role_arn: acs:ram::1234567890:role/mobile-uploader\n", "  role_arn: arn:aws:iam::1:role/x\n", "sts.role_arn"),
        ("  bucket: demo\n", "  bucket: Demo_Bucket\n", "storage.bucket"),
        ("  bucket: demo\n", "  bucket: [demo]\n", "storage.bucket"),
        ("users/${uid}/*", "users/${user}/*", "policy_templates[0].resources"),
        ("users/${uid}/*", "shared/*", "policy_templates"),
        ("[oss:PutObject, oss:GetObject]", "[s3:PutObject]", "policy_templates[0].actions"),
        ("  bucket: demo\n", "  bucket: demo\n  buckit: demo\n", "storage.buckit"),
        ("public_key_urls: [\"http://127.0.0.1:9000/-/callback/public-key.pem\"]", "public_key_urls: []", "callback.public_key_urls"),
    ])
    func namesTheBadField(original: String, replacement: String, field: String) {
        var yaml = Fixtures.yaml
        if original == "  duration_seconds: 1800\n" {
            yaml = yaml.replacingOccurrences(of: "  role_arn: acs:ram::1234567890:role/mobile-uploader\n",
                                             with: "  role_arn: acs:ram::1234567890:role/mobile-uploader\n  duration_seconds: 899\n")
        } else {
            #expect(yaml.contains(original))
            yaml = yaml.replacingOccurrences(of: original, with: replacement)
        }
        let error = Self.failure(yaml)
        #expect(error?.field == field, "\(String(describing: error))")
    }

    @Test func durationBounds() throws {
        for (duration, valid) in [(899, false), (900, true), (3600, true), (3601, false)] {
            let yaml = Fixtures.yaml.replacingOccurrences(of: "mobile-uploader\n", with: "mobile-uploader\n  duration_seconds: \(duration)\n")
            #expect((Self.failure(yaml) == nil) == valid, "duration \(duration)")
        }
    }

    @Test func authNeedsSomething() throws {
        let yaml = Fixtures.yaml + "\nauth:\n  accounts:\n    enabled: false\n"
        #expect(Self.failure(yaml)?.field == "auth")
        let jwt = Fixtures.yaml + "\nauth:\n  jwt:\n    algorithm: HS512\n    key_file: k\n"
        #expect(Self.failure(jwt)?.field == "auth.jwt.algorithm")
    }

    @Test func loadResolvesPathsFromTheFilesFolder() throws {
        let folder = Fixtures.temporaryDirectory()
        let yaml = Fixtures.yaml + "\nauth:\n  jwt:\n    algorithm: HS256\n    key_file: secret.txt\ndatabase: app.sqlite\n"
        try yaml.write(toFile: folder + "/app.yaml", atomically: true, encoding: .utf8)
        let configuration = try AppServerConfiguration.load(path: folder + "/app.yaml")
        #expect(configuration.database == folder + "/app.sqlite")
        #expect(configuration.auth.jwt?.keyFile == folder + "/secret.txt")
        #expect(throws: ConfigurationError.self) { try AppServerConfiguration.load(path: folder + "/missing.yaml") }
    }
}
