import Foundation
import SiloCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Upload callbacks: the key they are signed with and where they may go.
public struct CallbackSettings: Sendable {
    /// Nil: callbacks are refused as unsupported.
    public var signer: CallbackSigner?
    public var targets: CallbackTargetPolicy
    public var timeout: Duration

    public init(signer: CallbackSigner? = nil, targets: CallbackTargetPolicy = CallbackTargetPolicy(),
                timeout: Duration = .seconds(5)) {
        self.signer = signer
        self.targets = targets
        self.timeout = timeout
    }
}

/// Which addresses a callback may reach, against server-side request forgery. `loopback` (development: the app
/// server runs next to Silo) allows only loopback addresses; `public` allows only public ones, never loopback,
/// private, link-local, CGNAT or multicast ranges. `allowedHosts` (`host` or `host:port`) are exempt.
public struct CallbackTargetPolicy: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case loopback
        case `public`
    }

    public var mode: Mode
    public var allowedHosts: Set<String>

    public init(mode: Mode = .public, allowedHosts: Set<String> = []) {
        self.mode = mode
        self.allowedHosts = allowedHosts
    }

    enum Verdict: Sendable {
        /// The addresses to connect to (empty for an allow-listed host: connect by name).
        case allowed([[UInt8]])
        /// The name does not resolve (now): the callback will fail to connect, as on the real service.
        case unresolved
        case refused(String)
    }

    /// Checks where a URL leads. Done before the upload (to refuse it before storing anything) and again at
    /// delivery, which then connects to the checked address so a DNS change in between cannot redirect it.
    func evaluate(_ url: URL) async -> Verdict {
        guard let host = url.host else { return .refused("has no host") }
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        if allowedHosts.contains(host.lowercased()) || allowedHosts.contains("\(host.lowercased()):\(port)") {
            return .allowed([])
        }
        let addresses = await Self.resolve(host)
        guard !addresses.isEmpty else { return .unresolved }
        for address in addresses {
            let kind = AddressKind(address)
            switch mode {
            case .loopback where kind != .loopback:
                return .refused("is not a loopback address (callback policy: loopback)")
            case .public where kind != .public:
                return .refused("resolves to a \(kind) address (callback policy: public)")
            default:
                continue
            }
        }
        return .allowed(addresses)
    }

    /// Refuses, before anything is stored, a callback URL this server will not call.
    func check(_ url: URL) async throws {
        if case .refused(let why) = await evaluate(url) {
            throw OSSError.invalidArgument("The callbackUrl \(url.absoluteString) \(why).", name: "callbackUrl")
        }
    }

    /// The host's addresses as raw bytes (4 or 16), from the system resolver off the caller's thread.
    static func resolve(_ host: String) async -> [[UInt8]] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(first) }
                var addresses: [[UInt8]] = []
                var cursor: UnsafeMutablePointer<addrinfo>? = first
                while let entry = cursor {
                    if let sockaddr = entry.pointee.ai_addr {
                        if entry.pointee.ai_family == AF_INET {
                            sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                                var raw = ipv4.pointee.sin_addr
                                addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                            }
                        } else if entry.pointee.ai_family == AF_INET6 {
                            sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                                var raw = ipv6.pointee.sin6_addr
                                addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                            }
                        }
                    }
                    cursor = entry.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}

/// The class of an address for the callback policy.
enum AddressKind: String, Equatable, CustomStringConvertible {
    case loopback, `private`, linkLocal = "link-local", multicast, unspecified, `public`

    var description: String { rawValue }

    init(_ bytes: [UInt8]) {
        if bytes.count == 16 {
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                self.init(Array(bytes[12..<16]))  // IPv4-mapped
                return
            }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) {
                self = bytes[15] == 1 ? .loopback : .unspecified
            } else if bytes[0] & 0xFE == 0xFC {
                self = .private  // fc00::/7
            } else if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 {
                self = .linkLocal  // fe80::/10
            } else if bytes[0] == 0xFF {
                self = .multicast
            } else {
                self = .public
            }
            return
        }
        guard bytes.count == 4 else {
            self = .unspecified
            return
        }
        switch (bytes[0], bytes[1]) {
        case (127, _): self = .loopback
        case (0, _): self = .unspecified
        case (10, _), (172, 16...31), (192, 168), (100, 64...127), (198, 18...19): self = .private
        case (169, 254): self = .linkLocal
        case (224...239, _): self = .multicast
        case (240...255, _): self = .unspecified
        default: self = .public
        }
    }
}
