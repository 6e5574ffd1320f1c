import AsyncHTTPClient
import Foundation
import NIOCore

/// The storage service's callback public keys, fetched only from configured places and kept once fetched.
public actor PublicKeyCache {
    let allowed: [URL]
    let fetcher: @Sendable (URL) async throws -> String
    private var keys: [String: (pem: String, fetchedAt: ContinuousClock.Instant)] = [:]
    /// A failed signature may mean a rotated key, but forged callbacks must not make this server call out each
    /// time: a key is refetched at most this often.
    public static let minimumRefresh = Duration.seconds(60)

    public static let maxKeyBytes = 16 * 1024

    public init(allowedPrefixes: [String], fetcher: (@Sendable (URL) async throws -> String)? = nil) {
        allowed = allowedPrefixes.compactMap(URL.init(string:))
        self.fetcher = fetcher ?? Self.fetchOverHTTP
    }

    /// Same scheme, host and port as an allowed entry, and a path under its path: `http://a:1.evil/` or
    /// `http://a:1/../` never pass for `http://a:1/`.
    public func isAllowed(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), url.user == nil,
            !url.path.contains("..") else { return false }
        return allowed.contains { prefix in
            prefix.scheme?.lowercased() == scheme && prefix.host?.lowercased() == host
                && Self.port(prefix) == Self.port(url) && url.path.hasPrefix(prefix.path)
        }
    }

    static func port(_ url: URL) -> Int? { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }

    /// The PEM at `url`; `refresh` refetches it (the key may have been rotated) unless it was fetched lately.
    public func key(at url: URL, refresh: Bool = false) async throws(AppServerError) -> String {
        guard isAllowed(url) else {
            throw .forbidden("PublicKeyURLNotAllowed", "The callback's public key URL \(url) is not an allowed key source.")
        }
        if let cached = keys[url.absoluteString], !refresh || cached.fetchedAt.duration(to: .now) < Self.minimumRefresh {
            return cached.pem
        }
        let pem: String
        do {
            pem = try await fetcher(url)
        } catch {
            throw .upstream("PublicKeyUnavailable", "Fetching the callback public key from \(url) failed: \(error)")
        }
        guard pem.contains("-----BEGIN PUBLIC KEY-----") else {
            throw .upstream("PublicKeyUnavailable", "\(url) did not return a PEM public key.")
        }
        keys[url.absoluteString] = (pem, .now)
        return pem
    }

    @Sendable static func fetchOverHTTP(_ url: URL) async throws -> String {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        guard response.status == .ok else {
            throw AppServerError.upstream("PublicKeyUnavailable", "HTTP \(response.status.code)")
        }
        let body = try await response.body.collect(upTo: maxKeyBytes)
        return String(buffer: body)
    }
}
