import Foundation
import NIOSSL
import PostgresNIO

/// Where the metadata database is: `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var requireTLS: Bool

    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let reason): return "invalid PostgreSQL URL: \(reason)"
            }
        }
    }

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
                requireTLS: Bool = false) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.requireTLS = requireTLS
    }

    public init(url text: String) throws {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw ParseError.invalid("expected postgres://user@host:port/database") }
        guard let host = components.host, !host.isEmpty else { throw ParseError.invalid("no host") }
        guard let user = components.user, !user.isEmpty else { throw ParseError.invalid("no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw ParseError.invalid("no database name") }
        var requireTLS = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"): requireTLS = false
            case ("sslmode", "require"), ("sslmode", "verify-full"): requireTLS = true
            default: throw ParseError.invalid("unsupported parameter \(item.name)=\(item.value ?? "")")
            }
        }
        self.init(host: host, port: components.port ?? 5432, user: user, password: components.password,
                  database: database, requireTLS: requireTLS)
    }

    /// The URL without its password, for logs and banners.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (requireTLS ? "?sslmode=require" : "")
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = requireTLS ? .require(.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
