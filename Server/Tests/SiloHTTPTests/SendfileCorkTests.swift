import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import SiloStorage
import Testing

@testable import SiloHTTP

/// A file body goes out corked with its head, and the socket is uncorked once the file is written: a cork left on
/// would hold every later small response on the connection for up to 200 ms.
@Suite struct SendfileCorkTests {
    /// What the server's side saw of the cork: right after the file part was written, and once it had gone out.
    struct CorkStates: Sendable {
        var whileSending: Bool?
        var afterwards: Bool?
    }

    /// Answers one response, a head and a file span, as Hummingbird's writes reach the handlers.
    final class OneFileResponse: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = HTTPServerResponsePart

        let span: FileSpan
        let seen: NIOLockedValueBox<CorkStates>
        let done: EventLoopPromise<Void>

        init(span: FileSpan, seen: NIOLockedValueBox<CorkStates>, done: EventLoopPromise<Void>) {
            self.span = span
            self.seen = seen
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) {
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "Content-Length", value: String(span.length))
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let marker = SendfileRegistry.shared.register(span)
            context.write(wrapOutboundOut(.body(.byteBuffer(marker))), promise: nil)
            let whileSending = TCPCork.isSet(on: context.channel)
            let channel = context.channel
            let seen = self.seen
            let done = self.done
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                let afterwards = TCPCork.isSet(on: channel)
                seen.withLockedValue { $0 = CorkStates(whileSending: whileSending, afterwards: afterwards) }
                done.succeed()
                // The client reads to the end of input, so everything sent is received.
                channel.close(promise: nil)
            }
        }
    }

    /// Collects everything the server sends.
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = NIOLockedValueBox(ByteBuffer())
        let closed: EventLoopPromise<Void>

        init(closed: EventLoopPromise<Void>) { self.closed = closed }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.withLockedValue { _ = $0.writeBuffer(&buffer) }
        }

        func channelInactive(context: ChannelHandlerContext) { closed.succeed() }
    }

    // TCP_CORK is Linux's; elsewhere file bodies go out uncorked and there is nothing to test.
    #if os(Linux)
    @Test func theCorkComesOffOnceTheFileIsWritten() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cork-\(UUID().uuidString)").path
        let content = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try content.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        let seen = NIOLockedValueBox(CorkStates())
        let done = group.next().makePromise(of: Void.self)
        let span = FileSpan(descriptor: descriptor, offset: 0, length: content.count)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(SendfileHandler())
                    try pipeline.addHandler(OneFileResponse(span: span, seen: seen, done: done))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let closed = group.next().makePromise(of: Void.self)
        let collector = Collector(closed: closed)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(to: server.localAddress!).get()
        try await done.futureResult.get()
        try await closed.futureResult.get()
        try await server.close()
        try? await client.close()
        try await group.shutdownGracefully()

        let states = seen.withLockedValue { $0 }
        #expect(states.whileSending == true)
        #expect(states.afterwards == false)
        let received = collector.received.withLockedValue { $0 }
        let text = String(buffer: received)
        let headEnd = try #require(text.range(of: "\r\n\r\n"))
        let bodyStart = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound)
        let body = received.readableBytesView.dropFirst(bodyStart)
        #expect(body.count == content.count)
        #expect(body.elementsEqual(content), "the file's bytes arrived as they are on disk")
    }
    #endif
}
