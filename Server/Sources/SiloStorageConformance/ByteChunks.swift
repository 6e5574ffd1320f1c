import NIOCore

/// A request body for storage tests: the given chunks, then optionally a failure (a dropped connection).
public struct ByteChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public let chunks: [[UInt8]]
    public let failAfter: Bool

    public struct DroppedConnection: Error {}

    public init(_ chunks: [[UInt8]], failAfter: Bool = false) {
        self.chunks = chunks
        self.failAfter = failAfter
    }

    public init(_ bytes: [UInt8], chunkSize: Int = 1000) {
        var chunks: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            chunks.append(Array(bytes[index..<Swift.min(index + chunkSize, bytes.count)]))
            index += chunkSize
        }
        self.init(chunks)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [[UInt8]]
        let fail: Bool
        public mutating func next() async throws -> ByteBuffer? {
            if remaining.isEmpty {
                if fail { throw DroppedConnection() }
                return nil
            }
            return ByteBuffer(bytes: remaining.removeFirst())
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks, fail: failAfter) }
}
