import Foundation

/// A pull-based stream of byte chunks. The consumer asking for the next chunk is the backpressure: nothing
/// is read from the network or the disk ahead of it, so memory stays flat whatever the size.
public struct ByteStream: AsyncSequence, Sendable {
    public typealias Element = Data
    private let pull: @Sendable () async throws -> Data?

    /// A stream that calls `next` for each chunk until it returns nil.
    public init(next: @escaping @Sendable () async throws -> Data?) {
        pull = next
    }

    /// Adapts any sequence of `Data` chunks; it is iterated once, by one consumer.
    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Data {
        let box = IteratorBox<S.AsyncIterator>(sequence.makeAsyncIterator())
        pull = { try await box.next() }
    }

    /// Adapts a sequence of byte arrays, such as an app's own producer.
    public init<S: AsyncSequence & Sendable>(bytes sequence: S) where S.Element == [UInt8] {
        let box = IteratorBox<S.AsyncIterator>(sequence.makeAsyncIterator())
        pull = { try await box.next().map { Data($0) } }
    }

    public static let empty = ByteStream { nil }

    public static func data(_ data: Data, chunkSize: Int = 256 * 1024) -> ByteStream {
        let offset = Locked(0)
        return ByteStream {
            offset.withLock { position -> Data? in
                guard position < data.count else { return nil }
                let end = Swift.min(position + chunkSize, data.count)
                defer { position = end }
                return data.subdata(in: (data.startIndex + position)..<(data.startIndex + end))
            }
        }
    }

    /// The whole file, read as the consumer pulls.
    public static func file(_ url: URL) throws -> ByteStream {
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        return try file(url, length: size)
    }

    /// `length` bytes of the file from `offset`, read as the consumer pulls.
    public static func file(_ url: URL, offset: Int64 = 0, length: Int64, chunkSize: Int = 256 * 1024) throws -> ByteStream {
        let handle = try FileHandle(forReadingFrom: url)
        try handle.seek(toOffset: UInt64(offset))
        let reader = FileChunkReader(handle: handle, remaining: length, chunkSize: chunkSize)
        return ByteStream { try reader.next() }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pull: @Sendable () async throws -> Data?
        public mutating func next() async throws -> Data? { try await pull() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pull: pull) }

    /// Reads everything, refusing more than `limit` bytes.
    public func collect(upTo limit: Int) async throws -> Data {
        var out = Data()
        for try await chunk in self {
            guard out.count + chunk.count <= limit else {
                throw OSSClientError.invalidResponse("response body larger than \(limit) bytes")
            }
            out.append(chunk)
        }
        return out
    }

    /// Writes everything to `file`, replacing it, in 1 MiB batches.
    public func write(to file: URL) async throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw OSSClientError.invalidArgument("cannot create \(file.path)")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var pending = Data()
        for try await chunk in self {
            pending.append(chunk)
            if pending.count >= 1 << 20 {
                try handle.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try handle.write(contentsOf: pending) }
    }

    /// A stream that calls `observe` with each chunk as it passes.
    func observing(_ observe: @escaping @Sendable (Data) throws -> Void, atEnd: @escaping @Sendable () throws -> Void = {}) -> ByteStream {
        let pull = self.pull
        return ByteStream {
            guard let chunk = try await pull() else {
                try atEnd()
                return nil
            }
            try observe(chunk)
            return chunk
        }
    }
}

/// Single-consumer iterator storage; the stream is never iterated from two tasks at once.
private final class IteratorBox<Iterator: AsyncIteratorProtocol>: @unchecked Sendable {
    var iterator: Iterator
    init(_ iterator: Iterator) { self.iterator = iterator }
    func next() async throws -> Iterator.Element? { try await iterator.next() }
}

private final class FileChunkReader: @unchecked Sendable {
    private let handle: FileHandle
    private var remaining: Int64
    private let chunkSize: Int
    private let lock = NSLock()

    init(handle: FileHandle, remaining: Int64, chunkSize: Int) {
        self.handle = handle
        self.remaining = remaining
        self.chunkSize = chunkSize
    }

    func next() throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        guard remaining > 0 else {
            try? handle.close()
            return nil
        }
        let wanted = Int(min(Int64(chunkSize), remaining))
        guard let chunk = try handle.read(upToCount: wanted), !chunk.isEmpty else {
            try? handle.close()
            throw OSSClientError.fileChanged("the file ended \(remaining) bytes early while it was being sent")
        }
        remaining -= Int64(chunk.count)
        return chunk
    }

    deinit { try? handle.close() }
}
