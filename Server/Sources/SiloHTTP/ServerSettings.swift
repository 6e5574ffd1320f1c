import Foundation
import NIOConcurrencyHelpers
import SiloCore
import SiloImaging

/// What the HTTP front end needs to know about its deployment.
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
    /// Upload callbacks: signing key and allowed targets.
    public var callbacks = CallbackSettings()
    /// x-oss-process: the transform pool; nil answers image requests with NotImplemented.
    public var imaging: ImageWorkers?
    /// Processed images kept in memory; nil computes every request.
    public var derivedImages: DerivedImageCache?
    /// Which process strings requests may carry: any, or only the buckets' named styles (so clients cannot
    /// ask for arbitrary, costly transforms).
    public var imageProcessing = ImageProcessingPolicy.any
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

public enum ImageProcessingPolicy: String, Sendable, CaseIterable {
    case any
    /// `style/<name>` only; `image/...` is refused with 403.
    case styles
}
