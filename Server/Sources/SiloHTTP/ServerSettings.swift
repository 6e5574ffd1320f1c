import Foundation
import SiloCore

/// What the HTTP front end needs to know about its deployment.
public struct ServerSettings: Sendable {
    /// The V4 signing region, e.g. `cn-hangzhou`.
    public var region: String
    /// The account that owns every bucket on this node.
    public var accountId: String
    /// `host:port` clients use to reach this node; reported as `ExtranetEndpoint`.
    public var publicEndpoint: String
    /// Domains under which `<bucket>.<domain>` is virtual-hosted addressing.
    public var virtualHostDomains: [String]
    /// Maximum clock skew for header-signed requests, in seconds.
    public var maxClockSkew: Int64 = 15 * 60
    /// Clock in Unix seconds; injectable for tests.
    public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public init(region: String, accountId: String, publicEndpoint: String, virtualHostDomains: [String] = []) {
        self.region = region
        self.accountId = accountId
        self.publicEndpoint = publicEndpoint
        self.virtualHostDomains = virtualHostDomains
    }

    var owner: Owner { Owner(id: accountId) }

    var location: BucketLocation {
        BucketLocation(region: region, extranetEndpoint: publicEndpoint, intranetEndpoint: publicEndpoint)
    }
}
