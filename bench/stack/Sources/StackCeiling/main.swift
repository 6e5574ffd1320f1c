import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix

/// `StackCeiling nio|nio-task|hummingbird`: answers every request with the same 4 KiB body on 127.0.0.1 (a free
/// port, printed on the first line of stdout), on one event loop per core as Silo runs, until killed. Swift's tasks
/// run on NIO's event loops, as in `silo` (`Entry.swift`), so no mode pays for hops Silo does not make.
let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
let mode = CommandLine.arguments.dropFirst().first ?? "nio"
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

switch mode {
case "nio":
    try await NIOStackServer.run(answering: { FixedAnswer() })
case "nio-task":
    try await NIOStackServer.run(answering: { TaskAnswer() })
case "hummingbird":
    try await HummingbirdStackServer.run()
default:
    FileHandle.standardError.write(Data("usage: StackCeiling nio|nio-task|hummingbird\n".utf8))
    exit(64)
}

/// The port, on a line of its own, written at once (the bench waits for it).
func announce(_ port: Int?) {
    FileHandle.standardOutput.write(Data("\(port ?? 0)\n".utf8))
}

/// A bare NIO HTTP/1 server: the pipeline's codec and one handler that answers.
enum NIOStackServer {
    static func run(answering handler: @escaping @Sendable () -> some ChannelInboundHandler & Sendable) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        announce(channel.localAddress?.port)
        try await channel.closeFuture.get()
    }
}

/// Writes the answer on the event loop, in the read that completed the request.
final class FixedAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        writeAnswer(context)
    }
}

/// Answers from a Swift task per request on NIO's event loops (Swift's global executor here, as in `silo`), the way
/// an async responder would be called without Hummingbird's per-connection streams; the answer is written on the
/// channel's loop, with a hop when the task ran on the other one.
final class TaskAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        Task {
            await Self.respond()
            if loop.inEventLoop {
                writeAnswer(bound.value)
            } else {
                loop.execute { writeAnswer(bound.value) }
            }
        }
    }

    /// Stands in for an async responder that does no work.
    @inline(never) static func respond() async {}
}

func writeAnswer(_ context: ChannelHandlerContext) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Length", value: "4096")
    headers.add(name: "Content-Type", value: "application/octet-stream")
    context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                  promise: nil)
    context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
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
