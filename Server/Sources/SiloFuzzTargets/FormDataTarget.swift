import Hummingbird
import NIOCore
import SiloCore

@testable import SiloHTTP

enum FormDataTarget {
    /// The body arrives in chunks of a fuzzed size (boundaries split anywhere); the reader must stay within its
    /// bounds and fail only with protocol errors.
    static func run(_ bytes: [UInt8]) async {
        var input = FuzzInput(bytes)
        let chunkSize = Int(input.byte()) % 97 + 1
        let boundary = input.string()
        let body = input.rest()
        var chunks: [ByteBuffer] = []
        var index = 0
        while index < body.count {
            let end = min(body.count, index + chunkSize)
            chunks.append(ByteBuffer(bytes: body[index..<end]))
            index = end
        }
        let stream = AsyncStream<ByteBuffer> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        let contentType = "multipart/form-data; boundary=" + boundary
        guard let parsed = FormDataReader.boundary(contentType: contentType) else { return }
        let reader = FormDataReader(body: RequestBody(asyncSequence: stream), boundary: parsed)
        do {
            let (fields, _) = try await reader.readFields()
            precondition(fields.count <= FormDataReader.maxFields)
            precondition(fields.reduce(0) { $0 + $1.name.utf8.count } <= FormDataReader.maxNameBytes)
            precondition(fields.reduce(0) { $0 + $1.value.utf8.count } <= FormDataReader.maxFieldBytes)
            var fileBytes = 0
            for try await chunk in FormFileStream(reader: reader) { fileBytes += chunk.readableBytes }
            precondition(fileBytes <= body.count)
        } catch is OSSError {
        } catch {
            preconditionFailure("the form reader threw a non-protocol error: \(error)")
        }
    }
}
