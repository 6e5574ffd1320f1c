#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// Linux's TCP_CORK: while set, the socket sends only full segments. Elsewhere nothing is set, and responses go
/// out as they did without it.
enum TCPCork {
    /// Sets or clears the cork from the channel's event loop; answers whether it took effect.
    @discardableResult
    static func set(_ corked: Bool, on channel: any Channel) -> Bool {
        #if os(Linux)
        guard let options = channel.syncOptions else { return false }
        do {
            try options.setOption(option, value: corked ? 1 : 0)
            return true
        } catch {
            return false
        }
        #else
        return false
        #endif
    }

    /// Whether the cork is set, or nil where it cannot be read.
    static func isSet(on channel: any Channel) -> Bool? {
        #if os(Linux)
        guard let options = channel.syncOptions, let value = try? options.getOption(option) else { return nil }
        return value != 0
        #else
        return nil
        #endif
    }

    #if os(Linux)
    private static let option = ChannelOptions.Types.SocketOption(level: .tcp,
                                                                  name: NIOBSDSocket.Option(rawValue: CInt(TCP_CORK)))
    #endif
}
