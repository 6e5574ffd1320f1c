import NIOCore
import NIOHTTP1

/// Sends a response's head in the same write as its first body bytes (or its end).
///
/// Hummingbird writes a streamed body's head on its own and flushes it, so a small object went out in two
/// system calls and, with TCP_NODELAY, two segments. Holding that one flush back costs nothing: the flush after
/// the next part (a body chunk, a sendfile region or the end, which every response has) carries both.
/// Informational heads (`100 Continue`) are flushed at once; the client is waiting on them.
final class HeadFlushDeferral: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var finalHeadUnaccompanied = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data) {
            finalHeadUnaccompanied = head.status.code >= 200
        } else {
            finalHeadUnaccompanied = false
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if finalHeadUnaccompanied { return }
        context.flush()
    }
}
