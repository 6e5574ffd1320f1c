import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where server-side requests (upload callbacks, key fetches, webhooks) may go, against server-side request
/// forgery. `loopback` (development: the app server runs next to Silo) allows only loopback addresses;
/// `public` only public ones, never loopback, private, link-local, CGNAT, multicast or reserved ranges;
/// `unrestricted` any address, for destinations only the operator configures. Hosts in `allowedHosts`
/// (`host` or `host:port`) may resolve to any address.
///
/// The check is made on the addresses the name resolves to, and `OutboundHTTPClient` then connects to one of
/// those very addresses, so a DNS answer that changes between check and connection (rebinding) cannot move it.
public struct OutboundPolicy: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable {
        case loopback
        case `public`
        case unrestricted
    }

    public var mode: Mode
    public var allowedHosts: Set<String>

    public init(mode: Mode = .public, allowedHosts: Set<String> = []) {
        self.mode = mode
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    public enum Verdict: Sendable, Hashable {
        /// The addresses that passed, to connect to (4 or 16 bytes each).
        case allowed([[UInt8]])
        /// The name does not resolve (now).
        case unresolved
        case refused(String)
    }

    /// Resolves `host` and checks every address it resolves to: one forbidden address refuses the name, so a
    /// DNS answer cannot mix an allowed address with an internal one.
    public func evaluate(host: String, port: Int,
                         resolve: @Sendable (String) async -> [[UInt8]] = OutboundPolicy.systemResolve) async -> Verdict {
        let name = Self.bareHost(host).lowercased()
        guard !name.isEmpty else { return .refused("has no host") }
        let exempt = allowedHosts.contains(name) || allowedHosts.contains("\(name):\(port)")
        let addresses = await resolve(name)
        guard !addresses.isEmpty else { return .unresolved }
        if exempt || mode == .unrestricted { return .allowed(addresses) }
        for address in addresses {
            let kind = AddressKind(address)
            switch mode {
            case .loopback where kind != .loopback:
                return .refused("is not a loopback address (policy: loopback)")
            case .public where kind != .public:
                return .refused("resolves to a \(kind) address (policy: public)")
            default:
                continue
            }
        }
        return .allowed(addresses)
    }

    /// `[::1]` → `::1`: URL hosts keep IPv6 brackets on some platforms.
    static func bareHost(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// The host's addresses as raw bytes (4 or 16), from the system resolver, off the caller's thread.
    @Sendable public static func systemResolve(_ host: String) async -> [[UInt8]] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                #if canImport(Glibc)
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                #else
                hints.ai_socktype = SOCK_STREAM
                #endif
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
                var unique: [[UInt8]] = []
                for address in addresses where !unique.contains(address) { unique.append(address) }
                continuation.resume(returning: unique)
            }
        }
    }
}
