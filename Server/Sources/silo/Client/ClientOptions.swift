import ArgumentParser
import Foundation
import SiloClient
import SiloClientAHC
import SiloCore

/// Where the service is and who is calling: flags, else environment variables, else an auth-server URL
/// (acting exactly as a mobile app would), else the root identity in --data-dir.
struct ClientOptions: ParsableArguments {
    @Option(help: "The OSS endpoint (env SILO_ENDPOINT).")
    var endpoint: String = ProcessInfo.processInfo.environment["SILO_ENDPOINT"] ?? "http://127.0.0.1:9000"

    @Option(help: "Signing region (env SILO_REGION).")
    var region: String = ProcessInfo.processInfo.environment["SILO_REGION"] ?? "cn-hangzhou"

    @Option(help: "Access key id (env SILO_ACCESS_KEY_ID or OSS_ACCESS_KEY_ID).")
    var accessKeyId: String?

    // The secret and the STS token come only from the environment (SILO_ACCESS_KEY_SECRET or OSS_ACCESS_KEY_SECRET,
    // SILO_SECURITY_TOKEN or OSS_SESSION_TOKEN): a flag would show them to every user of `ps`.

    @Option(help: "Fetch temporary credentials from this app-server URL, as the mobile SDKs do (env SILO_AUTH_SERVER).")
    var authServer: String?

    @Option(help: "Data folder whose root identity signs when nothing else is given.")
    var dataDir: String = "./data"

    @Option(help: "Signature version: v1 or v4.")
    var signatureVersion: String = "v4"

    @Option(help: "Requests in flight at once.")
    var maxConcurrentRequests = 5

    @Option(help: "HTTP client: ahc (AsyncHTTPClient) or urlsession (Foundation's URLSession, what Apple platforms use).")
    var transport: String = "ahc"

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func credentials(transport: any Transport) throws -> any CredentialsProvider {
        let environment = ProcessInfo.processInfo.environment
        if let url = authServer ?? environment["SILO_AUTH_SERVER"] {
            guard let parsed = URL(string: url) else { throw ValidationError("--auth-server is not a URL: \(url)") }
            return AuthServerCredentialsProvider(url: parsed, transport: transport)
        }
        let (id, secret) = try LocalCredentials.resolve(accessKeyId: accessKeyId, dataDir: dataDir, allowOSSVariables: true)
        let token = environment["SILO_SECURITY_TOKEN"] ?? environment["OSS_SESSION_TOKEN"]
        if let token {
            return STSCredentialsProvider(accessKeyId: id, accessKeySecret: secret, securityToken: token)
        }
        return StaticCredentialsProvider(accessKeyId: id, accessKeySecret: secret)
    }

    func makeClient(middlewares: [any ClientMiddleware] = []) throws -> OSSClient {
        guard let url = URL(string: endpoint), url.host != nil else { throw ValidationError("--endpoint is not a URL: \(endpoint)") }
        guard let version = SignatureVersion(rawValue: signatureVersion.lowercased()) else {
            throw ValidationError("--signature-version must be v1 or v4")
        }
        var configuration = ClientConfiguration()
        configuration.signatureVersion = version
        configuration.maxConcurrentRequests = max(1, maxConcurrentRequests)
        let transport: any Transport
        switch self.transport.lowercased() {
        case "ahc":
            transport = AsyncHTTPClientTransport(configuration: configuration,
                                                 additionalTrustRootsPEMFile: ProcessInfo.processInfo.environment["SILO_CA_FILE"])
        case "urlsession": transport = URLSessionTransport(configuration: configuration)
        default: throw ValidationError("--transport must be ahc or urlsession")
        }
        return OSSClient(endpoint: url, region: region, credentials: try credentials(transport: transport),
                         configuration: configuration, transport: transport, middlewares: middlewares)
    }
}

/// `oss://bucket/key` or a local path.
enum Location: Equatable {
    case remote(bucket: String, key: String)
    case local(URL)

    init(_ text: String) throws {
        if text.hasPrefix("oss://") {
            let rest = text.dropFirst("oss://".count)
            let bucket = String(rest.prefix { $0 != "/" })
            guard !bucket.isEmpty else { throw ValidationError("\(text): no bucket name") }
            let key = rest.dropFirst(bucket.count).drop { $0 == "/" }
            self = .remote(bucket: bucket, key: String(key))
        } else {
            self = .local(URL(fileURLWithPath: text))
        }
    }
}

/// Prints errors the way a CLI user wants them: the server's code, message and request id.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as OSSClientError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON(_ object: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    print(String(decoding: data, as: UTF8.self))
}
