import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus the channel, for the peer address and for closing
/// connections whose declared body will never arrive.
public struct SiloRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}
