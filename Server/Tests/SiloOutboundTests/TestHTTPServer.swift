import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP server whose answers a test scripts, counting the requests it gets.
final class TestHTTPServer: Sendable {
    struct Answer: Sendable {
        var status: HTTPResponseStatus = .ok
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        var body: String = #"{"ok":true}"#
        /// Never answer: for timeouts.
        var silent = false
    }

    let channel: any Channel
    private let hits = NIOLockedValueBox<[String]>([])
    var port: Int { channel.localAddress!.port! }
    var requests: [String] { hits.withLockedValue { $0 } }

    init(answer: @escaping @Sendable (String) -> Answer) async throws {
        let hits = self.hits
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(answer: answer, hits: hits))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws { try await channel.close() }

    final class Responder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let answer: @Sendable (String) -> Answer
        let hits: NIOLockedValueBox<[String]>
        var uri = ""

        init(answer: @escaping @Sendable (String) -> Answer, hits: NIOLockedValueBox<[String]>) {
            self.answer = answer
            self.hits = hits
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                uri = head.uri
                hits.withLockedValue { $0.append(head.uri) }
            case .body: break
            case .end:
                let reply = answer(uri)
                if reply.silent { return }
                var headers = HTTPHeaders(reply.headers)
                headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers))),
                              promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: reply.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
