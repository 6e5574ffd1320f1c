import NIOCore
import SiloCore

/// `x-oss-traffic-limit` (a header, or a presigned URL's query parameter): the bits per second one transfer may
/// use, within OSS's range. The transfer is paced, not the request delayed: after each chunk the stream waits
/// until the bytes moved so far fit the rate, so a paced upload stops reading the socket (TCP backpressure
/// slows the sender) and a paced download writes no faster than the rate.
struct TrafficLimit: Sendable, Hashable {
    static let range: ClosedRange<Int64> = 245_760...838_860_800
    static let name = "x-oss-traffic-limit"

    let bitsPerSecond: Int64

    /// The request's limit, nil when it sets none, or OSS's InvalidArgument when it is out of range.
    static func of(_ request: OSSRequest) throws -> TrafficLimit? {
        guard let text = request.header(name) ?? request.query[name] else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw OSSError.invalidArgument(
                "The value of x-oss-traffic-limit must be between \(range.lowerBound) and \(range.upperBound) bits per second.",
                name: name, value: text)
        }
        return TrafficLimit(bitsPerSecond: value)
    }

    /// The chunk a paced download sends at a time: a tenth of a second's worth, so the pace stays even.
    var chunkSize: Int { Int(max(4096, min(bitsPerSecond / 80, 1 << 20))) }

    /// Keeps a running total and answers how long to wait so that it never runs ahead of the rate.
    struct Pacer: Sendable {
        let limit: TrafficLimit
        let start = ContinuousClock.now
        var bytes: Int64 = 0

        init(_ limit: TrafficLimit) { self.limit = limit }

        mutating func pass(_ count: Int) async throws {
            bytes += Int64(count)
            let due = start + .nanoseconds(bytes * 8 * 1_000_000_000 / limit.bitsPerSecond)
            if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
        }
    }
}

/// A request body read no faster than a traffic limit allows (as it is, without a limit).
struct PacedStream<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let limit: TrafficLimit?

    init(_ base: Base, _ limit: TrafficLimit?) {
        self.base = base
        self.limit = limit
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Base.AsyncIterator
        var pacer: TrafficLimit.Pacer?

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            try await pacer?.pass(chunk.readableBytes)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: base.makeAsyncIterator(), pacer: limit.map(TrafficLimit.Pacer.init))
    }
}
