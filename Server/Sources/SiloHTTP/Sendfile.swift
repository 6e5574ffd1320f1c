import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import SiloStorage

/// Zero-copy object bodies. Hummingbird's response bodies are ByteBuffers only, so a body names a file span with
/// a small marker buffer; `SendfileHandler`, placed where responses are NIOHTTP1 parts, swaps the marker for a
/// FileRegion, which the socket sends with sendfile(2) instead of a read and a write through user space.
///
/// A marker is a per-process random prefix plus an id, so no object body can pose as one.
final class SendfileRegistry: Sendable {
    static let shared = SendfileRegistry()
    static let markerLength = 24
    /// Spans whose marker never reached the socket (a connection that died first) are closed after this.
    static let staleAfter: TimeAmount = .minutes(5)

    private struct Entry {
        let span: FileSpan
        let registered: NIODeadline
    }

    private struct State {
        var next: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var lastSweep = NIODeadline.now()
    }

    private let prefix: [UInt8]
    private let state = NIOLockedValueBox(State())

    private init() {
        var generator = SystemRandomNumberGenerator()
        prefix = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Takes ownership of the span's descriptor and returns the marker that stands for it.
    func register(_ span: FileSpan) -> ByteBuffer {
        let now = NIODeadline.now()
        let (id, stale) = state.withLockedValue { state -> (UInt64, [FileSpan]) in
            state.next += 1
            state.entries[state.next] = Entry(span: span, registered: now)
            var stale: [FileSpan] = []
            if now - state.lastSweep > Self.staleAfter {
                state.lastSweep = now
                for (key, entry) in state.entries where now - entry.registered > Self.staleAfter {
                    stale.append(entry.span)
                    state.entries[key] = nil
                }
            }
            return (state.next, stale)
        }
        for span in stale { POSIXDescriptor.close(span.descriptor) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.markerLength)
        buffer.writeBytes(prefix)
        buffer.writeInteger(id)
        return buffer
    }

    /// The span a marker stands for, removed from the registry; nil for any other buffer.
    func take(_ buffer: ByteBuffer) -> FileSpan? {
        guard buffer.readableBytes == Self.markerLength,
            buffer.readableBytesView.prefix(16).elementsEqual(prefix),
            let id = buffer.getInteger(at: buffer.readerIndex + 16, as: UInt64.self)
        else { return nil }
        return state.withLockedValue { $0.entries.removeValue(forKey: id)?.span }
    }

    /// Closes a span whose marker will not be written.
    func discard(_ marker: ByteBuffer) {
        if let span = take(marker) { POSIXDescriptor.close(span.descriptor) }
    }
}

/// Swaps registered markers for FileRegions; everything else passes through.
final class SendfileHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Whether the response being written has corked the socket; the cork comes off with the response's end.
    private var corked = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .body(.byteBuffer(let buffer)):
            guard let span = SendfileRegistry.shared.take(buffer) else { break }
            writeFile(span, context: context, promise: promise)
            return
        case .end where corked:
            // Once the end is written every span before it is too; the uncork sends the last partial segment.
            corked = false
            let written = promise ?? context.eventLoop.makePromise()
            let channel = context.channel
            written.futureResult.whenComplete { _ in TCPCork.set(false, on: channel) }
            context.write(data, promise: written)
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }

    private func writeFile(_ span: FileSpan, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: span.descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: Int(span.offset), endIndex: Int(span.offset) + span.length)
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.whenComplete { _ in try? handle.close() }
        // The head waits unflushed for the first span (`HeadFlushDeferral`); corked, it leaves in the file's first
        // segment instead of a small one of its own, as nginx's `tcp_nopush` does. The cork stays on across the
        // spans of an object of several extents, so no partial segment goes out between them, and comes off with
        // the response's end.
        if !corked { corked = TCPCork.set(true, on: context.channel) }
        context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: written)
    }

    /// Installs the handler, and the head's flush deferral, between the HTTPTypes converter and the HTTP/1 encoder.
    static func install(in pipeline: ChannelPipeline.SynchronousOperations) {
        guard let converter = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) else { return }
        try? pipeline.addHandler(SendfileHandler(), position: .before(converter))
        try? pipeline.addHandler(HeadFlushDeferral(), position: .before(converter))
    }
}

/// Closing a raw descriptor without importing Glibc into every file.
enum POSIXDescriptor {
    static func close(_ descriptor: Int32) {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
        try? handle.close()
    }
}
