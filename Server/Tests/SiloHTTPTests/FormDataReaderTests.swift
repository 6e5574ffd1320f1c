import Hummingbird
import NIOCore
import SiloCore
import Testing

@testable import SiloHTTP

/// The PostObject form parser on bodies cut into every chunk size, so boundaries split across reads are found.
@Suite struct FormDataReaderTests {
    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let bytes: [UInt8]
        let size: Int

        struct AsyncIterator: AsyncIteratorProtocol {
            let bytes: [UInt8]
            let size: Int
            var offset = 0
            mutating func next() async throws -> ByteBuffer? {
                guard offset < bytes.count else { return nil }
                let end = Swift.min(offset + size, bytes.count)
                defer { offset = end }
                return ByteBuffer(bytes: bytes[offset..<end])
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, size: size) }
    }

    static let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

    static func form(_ fields: [(String, String)], file: [UInt8], trailer: String = "--\r\n") -> [UInt8] {
        var text = ""
        for (name, value) in fields {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: image/png\r\n\r\n"
        return Array(text.utf8) + file + Array("\r\n--\(boundary)\(trailer)".utf8)
    }

    static func read(_ bytes: [UInt8], chunk: Int) async throws -> ([FormDataReader.Field], String?, [UInt8]) {
        let reader = FormDataReader(body: RequestBody(asyncSequence: Chunks(bytes: bytes, size: chunk)), boundary: boundary)
        let (fields, type) = try await reader.readFields()
        var file: [UInt8] = []
        for try await buffer in FormFileStream(reader: reader) { file += Array(buffer.readableBytesView) }
        return (fields, type, file)
    }

    @Test(arguments: [1, 2, 3, 7, 41, 64, 1000, 1 << 20])
    func fieldsAndFileSurviveAnyChunking(chunk: Int) async throws {
        // File bytes that contain almost-boundaries and CRLFs.
        let file = Array("x\r\n--\(Self.boundary.dropLast())y\r\n\r\n--".utf8) + (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let body = Self.form([("key", "users/42/a b.png"), ("x-oss-meta-owner", "alice"), ("empty", "")], file: file)
        let (fields, type, received) = try await Self.read(body, chunk: chunk)
        #expect(fields.map(\.name) == ["key", "x-oss-meta-owner", "empty"])
        #expect(fields.map(\.value) == ["users/42/a b.png", "alice", ""])
        #expect(type == "image/png")
        #expect(received == file)
    }

    @Test func anEmptyFileIsEmpty() async throws {
        let (_, _, received) = try await Self.read(Self.form([("key", "k")], file: []), chunk: 5)
        #expect(received.isEmpty)
    }

    @Test func malformedBodiesAreRefused() async throws {
        let noFile = Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--\(Self.boundary)--\r\n".utf8)
        await #expect(throws: OSSError.self) { _ = try await Self.read(noFile, chunk: 3) }
        let truncated = Array(Self.form([("key", "k")], file: Array("abc".utf8)).dropLast(20))
        await #expect(throws: OSSError.self) { _ = try await Self.read(truncated, chunk: 4) }
        let wrongStart = Array("garbage".utf8) + Self.form([("key", "k")], file: [])
        await #expect(throws: OSSError.self) { _ = try await Self.read(wrongStart, chunk: 8) }
    }

    @Test func boundaryFromContentType() {
        #expect(FormDataReader.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(FormDataReader.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=\"q r\"") == "q r")
        #expect(FormDataReader.boundary(contentType: "application/json") == nil)
        #expect(FormDataReader.boundary(contentType: "multipart/form-data") == nil)
    }

    /// Issue 13, point 5: what is read before the form's credentials are checked is bounded in count and bytes,
    /// whatever the names (empty ones included) and however the body is cut.
    static let chunkings = [1, 64, 1 << 20]

    @Test(arguments: chunkings)
    func emptyNamesAreRefused(chunk: Int) async throws {
        let emptyNames = Array(String(repeating: "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n\r\n",
                                      count: 50).utf8) + Self.form([], file: [1])
        await #expect(throws: OSSError.self) { _ = try await Self.read(emptyNames, chunk: chunk) }
    }

    @Test(arguments: chunkings)
    func fieldCountIsBounded(chunk: Int) async throws {
        let many = Self.form((0..<(FormDataReader.maxFields + 1)).map { ("f\($0)", "v") }, file: [1])
        await #expect(throws: OSSError.self) { _ = try await Self.read(many, chunk: chunk) }
        // Just under the bound still reads.
        let fine = Self.form((0..<FormDataReader.maxFields).map { ("f\($0)", "v") }, file: [7])
        let (fields, _, file) = try await Self.read(fine, chunk: chunk)
        #expect(fields.count == FormDataReader.maxFields && file == [7])
    }

    @Test(arguments: chunkings)
    func fieldBytesAreBounded(chunk: Int) async throws {
        let big = Self.form([("key", "k"), ("x-oss-meta-a", String(repeating: "v", count: FormDataReader.maxFieldBytes))], file: [1])
        await #expect(throws: OSSError.self) { _ = try await Self.read(big, chunk: chunk) }
    }

    @Test(arguments: chunkings)
    func partHeadersAreBounded(chunk: Int) async throws {
        let longHeaders = Array(("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\nX: "
            + String(repeating: "h", count: 20_000) + "\r\n\r\nv\r\n").utf8) + Self.form([], file: [1])
        await #expect(throws: OSSError.self) { _ = try await Self.read(longHeaders, chunk: chunk) }
    }
}
