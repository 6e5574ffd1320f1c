import Foundation
import NIOConcurrencyHelpers
import SiloCore

/// What the HTTP front ends need to know about their deployment.
public struct ServerSettings: Sendable {
    /// The V4 signing region, e.g. `cn-hangzhou`.
    public var region: String
    /// The account that owns every bucket on this node.
    public var accountId: String
    /// `host:port` clients use to reach this node; reported as `ExtranetEndpoint`. Settable once the
    /// listener is bound, for `--address HOST:0`.
    public let publicEndpoint: PublicEndpoint
    /// Domains under which `<bucket>.<domain>` is virtual-hosted addressing.
    public var virtualHostDomains: [String]
    /// Maximum clock skew for header-signed requests, in seconds.
    public var maxClockSkew: Int64 = 15 * 60
    /// The listener speaks TLS: URLs Silo hands out are https, and object bodies are not sent with sendfile(2)
    /// (the kernel would bypass the encryption).
    public var tls = false
    /// Clock in Unix seconds; injectable for tests.
    public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public init(region: String, accountId: String, publicEndpoint: String, virtualHostDomains: [String] = []) {
        self.region = region
        self.accountId = accountId
        self.publicEndpoint = PublicEndpoint(publicEndpoint)
        self.virtualHostDomains = virtualHostDomains
    }

    var owner: Owner { Owner(id: accountId) }

    var location: BucketLocation {
        let endpoint = publicEndpoint.value
        return BucketLocation(region: region, extranetEndpoint: endpoint, intranetEndpoint: endpoint)
    }

    /// Where callback receivers fetch the public key.
    public var callbackPublicKeyURL: String {
        (tls ? "https://" : "http://") + publicEndpoint.value + "/-/callback/public-key.pem"
    }
}

public final class PublicEndpoint: Sendable {
    private let box: NIOLockedValueBox<String>

    public init(_ value: String) {
        box = NIOLockedValueBox(value)
    }

    public var value: String { box.withLockedValue { $0 } }

    /// Replaces a `:0` port with the one the listener was given.
    public func bound(toPort port: Int) {
        box.withLockedValue { value in
            if value.hasSuffix(":0") { value = String(value.dropLast(2)) + ":\(port)" }
        }
    }
}
