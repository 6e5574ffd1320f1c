import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer address, for per-IP rate limits.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The caller's IP without the port; a fixed key when unknown (a Unix socket, a test).
    public var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}
