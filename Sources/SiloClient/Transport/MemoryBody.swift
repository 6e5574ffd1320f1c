import Foundation

/// A request body read into memory, for URLSession on Linux (`URLSessionTransport.inMemoryBodyLimit` says why).
enum MemoryBody {
    /// Reads `length` bytes of `file` from `offset` into memory.
    static func read(_ file: URL, offset: Int64, length: Int64) throws -> Data {
        let source = try FileHandle(forReadingFrom: file)
        defer { try? source.close() }
        try source.seek(toOffset: UInt64(offset))
        var data = Data(capacity: Int(length))
        while data.count < Int(length) {
            guard let chunk = try source.read(upToCount: Int(length) - data.count), !chunk.isEmpty else {
                throw OSSClientError.fileChanged("\(file.lastPathComponent) ended \(Int(length) - data.count) bytes early while it was being sent")
            }
            data.append(chunk)
        }
        return data
    }

    /// Collects a one-shot stream of an announced length into memory; it must produce exactly that many bytes.
    static func collect(_ stream: ByteStream, length: Int64) async throws -> Data {
        var data = Data(capacity: Int(length))
        for try await chunk in stream {
            guard Int64(data.count + chunk.count) <= length else {
                throw TransportError("the stream produced more than the \(length) bytes announced")
            }
            data.append(chunk)
        }
        guard Int64(data.count) == length else {
            throw TransportError("the stream produced \(data.count) bytes, \(length) announced")
        }
        return data
    }
}
