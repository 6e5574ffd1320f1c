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
    /// What the server's side saw of the cork: right after the file parts were written to the pipeline, once the
    /// first span had gone out (for a response of several), and once the response had.
    struct CorkStates: Sendable {
        var whileSending: Bool?
        var betweenSpans: Bool?
        var afterwards: Bool?
    }

    /// Answers one response, a head and file spans (an object of several extents), as Hummingbird's writes
    /// reach the handlers.
    final class FileResponse: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = HTTPServerResponsePart

        let spans: [FileSpan]
        let seen: NIOLockedValueBox<CorkStates>
        let done: EventLoopPromise<Void>

        init(spans: [FileSpan], seen: NIOLockedValueBox<CorkStates>, done: EventLoopPromise<Void>) {
            self.spans = spans
            self.seen = seen
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) {
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "Content-Length", value: String(spans.reduce(0) { $0 + $1.length }))
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let channel = context.channel
            let seen = self.seen
            for (index, span) in spans.enumerated() {
                let marker = SendfileRegistry.shared.register(span)
                let written = context.eventLoop.makePromise(of: Void.self)
                context.write(wrapOutboundOut(.body(.byteBuffer(marker))), promise: written)
                if index == 0 && spans.count > 1 {
                    // Registered after the handler's own callbacks on this write, so it sees what they left.
                    written.futureResult.whenComplete { _ in
                        let between = TCPCork.isSet(on: channel)
                        seen.withLockedValue { $0.betweenSpans = between }
                    }
                }
                // The first span goes out before the second is written, as a streamed body's would.
                if index == 0 { context.flush() }
            }
            let whileSending = TCPCork.isSet(on: context.channel)
            let done = self.done
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                let afterwards = TCPCork.isSet(on: channel)
                seen.withLockedValue {
                    $0.whileSending = whileSending
                    $0.afterwards = afterwards
                }
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
    /// One span (a simple PUT's object) and three (an object of several extents, such as a multipart upload's):
    /// corked from the first span to the response's end, uncorked after it.
    @Test(arguments: [1, 3])
    func theCorkComesOffOnceTheResponseIsWritten(spanCount: Int) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cork-\(UUID().uuidString)").path
        let content = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try content.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Each span owns its descriptor; together they cover the file in order.
        let bounds = (0...spanCount).map { content.count * $0 / spanCount }
        var spans: [FileSpan] = []
        for index in 0..<spanCount {
            let descriptor = open(path, O_RDONLY)
            try #require(descriptor >= 0)
            spans.append(FileSpan(descriptor: descriptor, offset: Int64(bounds[index]), length: bounds[index + 1] - bounds[index]))
        }
        let seen = NIOLockedValueBox(CorkStates())
        let done = group.next().makePromise(of: Void.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { [spans] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(SendfileHandler())
                    try pipeline.addHandler(FileResponse(spans: spans, seen: seen, done: done))
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
        #expect(states.betweenSpans == (spanCount > 1 ? true : nil), "no uncork between the spans of one response")
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
