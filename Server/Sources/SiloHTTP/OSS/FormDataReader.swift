import Foundation
import Hummingbird
import NIOCore
import SiloCore

/// Streams a `multipart/form-data` PostObject body: the small fields are collected, then the `file` part
/// (which must come last) is handed out as a stream, so a 5 GB upload never sits in memory.
final class FormDataReader: @unchecked Sendable {
    struct Field: Sendable {
        var name: String
        var value: String
    }

    /// Everything before the file (boundaries, part headers, names and values) is read before the form's
    /// credentials can be checked, so it is bounded tightly: a real form (key, policy, signature, an STS token,
    /// a callback, user metadata) is a few kilobytes. OSS allows 2 MB of values; Silo holds unauthenticated
    /// bytes to 256 KB and 128 fields per request.
    static let maxFieldBytes = 256 * 1024
    static let maxFields = 128
    static let maxNameBytes = 8 * 1024

    private var iterator: RequestBody.AsyncIterator
    private var pending = ByteBuffer()
    private var finished = false
    private let delimiter: [UInt8]  // CRLF "--" boundary
    private let first: [UInt8]  // "--" boundary

    init(body: RequestBody, boundary: String) {
        iterator = body.makeAsyncIterator()
        delimiter = Array(("\r\n--" + boundary).utf8)
        first = Array(("--" + boundary).utf8)
    }

    /// The boundary of `multipart/form-data; boundary=…`.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    static func malformed(_ message: String) -> OSSError {
        OSSError(status: 400, code: "MalformedPOSTRequest",
                 message: "The body of your POST request is not well-formed multipart/form-data. " + message)
    }

    private func fill() async throws -> Bool {
        guard !finished else { return false }
        guard var chunk = try await iterator.next() else {
            finished = true
            return false
        }
        // Consumed bytes are dropped as we go, or a large file would pile up behind the reader index.
        if pending.readerIndex > 1 << 20 { pending.discardReadBytes() }
        pending.writeBuffer(&chunk)
        return true
    }

    /// The offset of `needle` in the unread bytes, searching from `offset` (a caller that already searched a
    /// prefix passes where it stopped, so bytes arriving one at a time are not rescanned: no quadratic work).
    private func find(_ needle: [UInt8], from offset: Int = 0) -> Int? {
        let view = pending.readableBytesView
        guard view.count >= needle.count else { return nil }
        let first = needle[0]
        var index = view.startIndex + min(offset, view.count)
        let last = view.endIndex - needle.count
        while index <= last {
            if view[index] == first && view[index..<(index + needle.count)].elementsEqual(needle) {
                return index - view.startIndex
            }
            index += 1
        }
        return nil
    }

    /// Reads up to the `file` part; returns the fields before it and the file part's own Content-Type.
    func readFields() async throws -> (fields: [Field], fileContentType: String?) {
        // The body opens with the first boundary line.
        while pending.readableBytes < first.count + 2 {
            guard try await fill() else { throw Self.malformed("It ends before the first boundary.") }
        }
        guard pending.readBytes(length: first.count) == first, pending.readBytes(length: 2) == [13, 10] else {
            throw Self.malformed("It does not start with the boundary.")
        }
        var fields: [Field] = []
        var nameBytes = 0
        // Bytes consumed before the file part, headers included; checked as the data arrives.
        var fieldBytes = first.count + 2
        let tooLarge = OSSError.invalidArgument(
            "The form fields before the file exceed \(Self.maxFieldBytes / 1024) KB or \(Self.maxFields) fields.")
        while true {
            let headers = try await readPartHeaders(budget: Self.maxFieldBytes - fieldBytes)
            fieldBytes += headers.consumed
            guard let name = headers.name, !name.isEmpty else { throw Self.malformed("A part has no name.") }
            if name.lowercased() == "file" { return (fields, headers.contentType) }
            guard fields.count < Self.maxFields else { throw tooLarge }
            nameBytes += name.utf8.count
            guard nameBytes <= Self.maxNameBytes else {
                throw OSSError.invalidArgument("The form field names exceed 8 KB.")
            }
            var value = [UInt8]()
            while true {
                if let end = find(delimiter) {
                    guard fieldBytes + end + delimiter.count <= Self.maxFieldBytes else { throw tooLarge }
                    value += pending.readBytes(length: end) ?? []
                    pending.moveReaderIndex(forwardBy: delimiter.count)
                    fieldBytes += end + delimiter.count
                    break
                }
                let safe = pending.readableBytes - (delimiter.count - 1)
                if safe > 0 {
                    guard fieldBytes + safe <= Self.maxFieldBytes else { throw tooLarge }
                    value += pending.readBytes(length: safe) ?? []
                    fieldBytes += safe
                }
                guard try await fill() else { throw Self.malformed("Field \(name) is not terminated.") }
            }
            fields.append(Field(name: name, value: String(decoding: value, as: UTF8.self)))
            while pending.readableBytes < 2 {
                guard try await fill() else { throw Self.malformed("It ends without a file field.") }
            }
            let after = pending.readBytes(length: 2) ?? []
            fieldBytes += 2
            if after == [45, 45] {  // "--": the closing boundary, and no file came
                throw OSSError.invalidArgument("The POST request must carry exactly one file field, last.",
                                               name: "file")
            }
            guard after == [13, 10] else { throw Self.malformed("A boundary is followed by junk.") }
        }
    }

    /// A part's headers, which must end within `budget` bytes (and 16 KB).
    private func readPartHeaders(budget: Int) async throws -> (name: String?, contentType: String?, consumed: Int) {
        let end: [UInt8] = [13, 10, 13, 10]
        let limit = min(budget, 16 * 1024)
        var position = find(end)
        while position == nil {
            guard pending.readableBytes <= limit else {
                throw limit < 16 * 1024
                    ? OSSError.invalidArgument("The form fields before the file exceed \(Self.maxFieldBytes / 1024) KB.")
                    : Self.malformed("A part's headers are too long.")
            }
            let searched = max(0, pending.readableBytes - (end.count - 1))
            guard try await fill() else { throw Self.malformed("A part's headers are not terminated.") }
            position = find(end, from: searched)
        }
        guard position! + end.count <= limit else {
            throw OSSError.invalidArgument("The form fields before the file exceed \(Self.maxFieldBytes / 1024) KB.")
        }
        let text = String(decoding: pending.readBytes(length: position!) ?? [], as: UTF8.self)
        pending.moveReaderIndex(forwardBy: end.count)
        var name: String?
        var contentType: String?
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let header = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if header == "content-type" { contentType = value }
            if header == "content-disposition" {
                for parameter in value.split(separator: ";").dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    if pair.count == 2, pair[0].lowercased() == "name" {
                        name = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                            ? String(pair[1].dropFirst().dropLast()) : pair[1]
                    }
                }
            }
        }
        return (name, contentType, position! + end.count)
    }

    /// The file part's bytes, ending at the next boundary; whatever follows the file is ignored.
    func nextFileChunk() async throws -> ByteBuffer? {
        // Bytes already searched for the boundary are not searched again as more arrive.
        var searched = 0
        while true {
            if fileDone { return nil }
            if let end = find(delimiter, from: searched) {
                fileDone = true
                return end > 0 ? pending.readSlice(length: end) : nil
            }
            let safe = pending.readableBytes - (delimiter.count - 1)
            if safe >= 64 * 1024 || (safe > 0 && finished) {
                return pending.readSlice(length: safe)
            }
            searched = max(0, safe)
            guard try await fill() else {
                throw Self.malformed("The file field is not terminated by the boundary.")
            }
        }
    }

    private var fileDone = false
}

/// The file part as the `AsyncSequence` the object store reads.
struct FormFileStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let reader: FormDataReader

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: FormDataReader
        mutating func next() async throws -> ByteBuffer? { try await reader.nextFileChunk() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
}
