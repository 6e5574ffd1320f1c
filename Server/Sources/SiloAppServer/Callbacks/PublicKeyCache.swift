import Foundation
import NIOCore
import SiloOutbound

/// The storage service's callback public keys, fetched only from configured places and kept once fetched.
///
/// The key URL arrives in the callback itself (`x-oss-pub-key-url`), so whoever forges callbacks chooses it.
/// Only URLs under a configured prefix are fetched, without a query or fragment (one spelling per key, so
/// `?n=1…100` cannot make a hundred fetches), through the outbound client (no redirects). The cache holds at
/// most `maxEntries` keys, a key is refetched at most once a `minimumRefresh`, and fetches of keys not yet
/// cached share one small budget per minute, so forged callbacks cannot make this server call out in a loop.
public actor PublicKeyCache {
    let allowed: [URL]
    let fetcher: @Sendable (URL) async throws -> String
    private var keys: [String: (pem: String, fetchedAt: ContinuousClock.Instant)] = [:]
    private var recentFetches: [ContinuousClock.Instant] = []

    public static let minimumRefresh = Duration.seconds(60)
    public static let maxKeyBytes = 16 * 1024
    public static let maxEntries = 16
    public static let maxFetchesPerMinute = 10

    public init(allowedPrefixes: [String], fetcher: (@Sendable (URL) async throws -> String)? = nil) {
        allowed = allowedPrefixes.compactMap(URL.init(string:))
        self.fetcher = fetcher ?? Self.fetchOverHTTP
    }

    /// The one spelling of a key URL (lower-case scheme and host, explicit port, path), or nil when it has a
    /// query, a fragment, credentials or dot segments.
    public static func normalized(_ url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host?.lowercased(), !host.isEmpty, url.user == nil, url.password == nil,
            url.query == nil, url.fragment == nil
        else { return nil }
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? ""
        guard !path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." })
        else { return nil }
        return "\(scheme)://\(host):\(port(url))\(path.isEmpty ? "/" : path)"
    }

    /// Same scheme, host and port as an allowed entry, and either its very path or, for an entry ending in `/`,
    /// a path beneath it: `http://a:1.evil/`, `http://a:1/../` or `…/key.pem.evil` never pass for
    /// `http://a:1/key.pem`, so each allowed key has one spelling.
    public func isAllowed(_ url: URL) -> Bool {
        guard let key = Self.normalized(url) else { return false }
        return allowed.contains { prefix in
            guard let base = Self.normalized(prefix) else { return false }
            return base.hasSuffix("/") ? key.hasPrefix(base) : key == base
        }
    }

    static func port(_ url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }

    /// The PEM at `url`; `refresh` refetches it (the key may have been rotated) unless it was fetched lately.
    public func key(at url: URL, refresh: Bool = false) async throws(AppFailure) -> String {
        guard isAllowed(url), let name = Self.normalized(url), let target = URL(string: name) else {
            throw .callbackRejected(.publicKeyURLNotAllowed, message: "The callback's public key URL \(url) is not an allowed key source.")
        }
        if let cached = keys[name], !refresh || cached.fetchedAt.duration(to: .now) < Self.minimumRefresh {
            return cached.pem
        }
        let now = ContinuousClock.now
        recentFetches.removeAll { $0.duration(to: now) > .seconds(60) }
        guard recentFetches.count < Self.maxFetchesPerMinute else {
            throw .unavailable(.publicKey, message: "Too many public key fetches; try again in a minute.")
        }
        recentFetches.append(now)
        let pem: String
        // Whoever sent the callback reads this answer: it says that the fetch failed, not how.
        do {
            pem = try await fetcher(target)
        } catch {
            throw .unavailable(.publicKey, message: "The callback's public key could not be fetched.")
        }
        guard pem.contains("-----BEGIN PUBLIC KEY-----") else {
            throw .unavailable(.publicKey, message: "The callback's public key could not be fetched.")
        }
        if keys[name] == nil, keys.count >= Self.maxEntries,
            let oldest = keys.min(by: { $0.value.fetchedAt < $1.value.fetchedAt })?.key {
            keys.removeValue(forKey: oldest)
        }
        keys[name] = (pem, .now)
        return pem
    }

    /// Key URLs come only from the operator's allow-list, so any address may be called; redirects never are.
    static let client = OutboundHTTPClient(policy: OutboundPolicy(mode: .unrestricted))

    @Sendable static func fetchOverHTTP(_ url: URL) async throws -> String {
        let response = try await client.execute(OutboundRequest(url: url), timeout: .seconds(5), maxResponseBytes: maxKeyBytes)
        guard response.status == .ok else {
            throw AppFailure.unavailable(.publicKey, message: "HTTP \(response.status.code)")
        }
        return String(buffer: response.body)
    }
}
