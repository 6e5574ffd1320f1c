import Foundation

/// An S3 bucket (and key prefix) that holds blobs: `s3://[KEY:SECRET@]host[:port]/bucket[/prefix][?region=R&tls=1]`.
/// Keys missing from the URL come from `SILO_S3_ACCESS_KEY_ID` and `SILO_S3_SECRET_ACCESS_KEY`.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool
    public var bucket: String
    /// Prepended to every object name, without a leading slash; empty or ending in `/`.
    public var prefix: String
    public var region: String
    public var accessKeyId: String
    public var secretAccessKey: String

    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let reason): return "invalid S3 URL: \(reason)"
            }
        }
    }

    public init(host: String, port: Int, tls: Bool = false, bucket: String, prefix: String = "", region: String = "us-east-1",
                accessKeyId: String, secretAccessKey: String) {
        self.host = host
        self.port = port
        self.tls = tls
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.region = region
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: text), components.scheme == "s3" else {
            throw ParseError.invalid("expected s3://host:port/bucket")
        }
        guard let host = components.host, !host.isEmpty else { throw ParseError.invalid("no host") }
        let path = components.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let bucket = path.first else { throw ParseError.invalid("no bucket") }
        var region = "us-east-1"
        var tls = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("region", let value) where !value.isEmpty: region = value
            case ("tls", "1"), ("tls", "true"): tls = true
            case ("tls", "0"), ("tls", "false"): tls = false
            default: throw ParseError.invalid("unsupported parameter \(item.name)")
            }
        }
        guard let key = components.user ?? environment["SILO_S3_ACCESS_KEY_ID"],
            let secret = components.password ?? environment["SILO_S3_SECRET_ACCESS_KEY"], !key.isEmpty, !secret.isEmpty
        else { throw ParseError.invalid("no credentials (in the URL or SILO_S3_ACCESS_KEY_ID/SILO_S3_SECRET_ACCESS_KEY)") }
        self.init(host: host, port: components.port ?? (tls ? 443 : 80), tls: tls, bucket: bucket,
                  prefix: path.dropFirst().joined(separator: "/"), region: region, accessKeyId: key,
                  secretAccessKey: secret)
    }

    /// Without the credentials, for logs and banners.
    public var description: String {
        "s3://\(host):\(port)/\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix.dropLast()) + "?region=\(region)"
            + (tls ? "&tls=1" : "")
    }

    var origin: String { (tls ? "https://" : "http://") + host + ((tls && port == 443) || (!tls && port == 80) ? "" : ":\(port)") }
    var hostHeader: String { (tls && port == 443) || (!tls && port == 80) ? host : "\(host):\(port)" }
}
