import Foundation
import SiloCallbackSigning
import SiloCore
import SiloOutbound

/// Upload callbacks: the key they are signed with and where they may go.
public struct CallbackSettings: Sendable {
    /// Nil: callbacks are refused as unsupported.
    public var signer: CallbackSigner?
    /// The only way callbacks leave the server: checked addresses, no redirects (`OutboundHTTPClient`).
    public var client: OutboundHTTPClient
    public var timeout: Duration

    public init(signer: CallbackSigner? = nil, targets: OutboundPolicy = OutboundPolicy(),
                timeout: Duration = .seconds(5)) {
        self.init(signer: signer, client: OutboundHTTPClient(policy: targets), timeout: timeout)
    }

    public init(signer: CallbackSigner?, client: OutboundHTTPClient, timeout: Duration = .seconds(5)) {
        self.signer = signer
        self.client = client
        self.timeout = timeout
    }

    public var targets: OutboundPolicy { client.policy }

    /// Refuses, before anything is stored, a callback URL this server will not call. A name that does not
    /// resolve now is let through: the callback will fail to connect, as on the real service.
    func check(_ url: URL) async throws(CallbackError) {
        if case .refused(let why) = await client.evaluate(url) {
            throw .targetRefused(url: url.absoluteString, reason: why)
        }
    }
}

/// Why an upload's callback is refused before anything is stored.
public enum CallbackError: Error, Sendable, Hashable {
    /// This server has no callback key.
    case notConfigured
    /// A callback URL the target policy forbids.
    case targetRefused(url: String, reason: String)
}
