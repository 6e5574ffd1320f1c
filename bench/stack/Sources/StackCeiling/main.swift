import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix

/// `StackCeiling nio|hummingbird`: answers every request with the same 4 KiB body on 127.0.0.1 (a free port, printed
/// on the first line of stdout), on one event loop per core as Silo runs, until killed.
let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
let mode = CommandLine.arguments.dropFirst().first ?? "nio"

switch mode {
case "nio":
    try await NIOStackServer.run()
case "hummingbird":
    try await HummingbirdStackServer.run()
default:
    FileHandle.standardError.write(Data("usage: StackCeiling nio|hummingbird\n".utf8))
    exit(64)
}

/// The port, on a line of its own, written at once (the bench waits for it).
func announce(_ port: Int?) {
    FileHandle.standardOutput.write(Data("\(port ?? 0)\n".utf8))
}

/// A bare NIO HTTP/1 server: the pipeline's codec and one handler that writes the answer on the event loop.
enum NIOStackServer {
    static func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FixedAnswer())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        announce(channel.localAddress?.port)
        try await channel.closeFuture.get()
    }

    final class FixedAnswer: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "4096")
            headers.add(name: "Content-Type", value: "application/octet-stream")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// A bare Hummingbird application: its router, one route, no middleware.
enum HummingbirdStackServer {
    static func run() async throws {
        let router = Router()
        router.get("**") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  announce(channel.localAddress?.port)
                              })
        try await app.runService()
    }
}
