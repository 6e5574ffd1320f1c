import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import SiloHTTP

/// A final head waits for the next part's flush; everything else is flushed when asked.
@Suite struct HeadFlushDeferralTests {
    func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HeadFlushDeferral())
        return channel
    }

    func head(_ status: HTTPResponseStatus) -> HTTPServerResponsePart {
        .head(HTTPResponseHead(version: .http1_1, status: status))
    }

    func flushed(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head): parts.append("head \(head.status.code)")
            case .body(.byteBuffer(let buffer)): parts.append("body \(buffer.readableBytes)")
            case .body(.fileRegion): parts.append("file")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    @Test func aFinalHeadGoesOutWithTheFirstBodyBytes() throws {
        let channel = try channel()
        channel.writeAndFlush(head(.ok), promise: nil)
        #expect(try flushed(channel) == [])
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(repeating: 1, count: 4))), promise: nil)
        #expect(try flushed(channel) == ["head 200", "body 4"])
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        #expect(try flushed(channel) == ["end"])
    }

    @Test func aHeadWithoutABodyGoesOutWithItsEnd() throws {
        let channel = try channel()
        channel.writeAndFlush(head(.notModified), promise: nil)
        #expect(try flushed(channel) == [])
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        #expect(try flushed(channel) == ["head 304", "end"])
    }

    @Test func continueIsFlushedAtOnce() throws {
        let channel = try channel()
        channel.writeAndFlush(head(.continue), promise: nil)
        #expect(try flushed(channel) == ["head 100"])
    }
}
