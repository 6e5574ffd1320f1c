import Foundation
import HTTPTypes
import SiloCore
import Testing

@testable import SiloClient

/// A download's ranges gather through reused buffers and land exactly where they belong.
@Suite struct RangeSinkTests {
    func bytes(_ count: Int, seed: UInt8) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed)) })
    }

    func temporaryFile(size: Int) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("silo-sink-\(UUID().uuidString)")
        try Data(count: size).write(to: file)
        return file
    }

    /// Chunks smaller than a batch, one that straddles batches and one larger than several, through one buffer
    /// used by two ranges in turn.
    @Test func rangesWrittenThroughOneReusedBufferLandWhereTheyBelong() async throws {
        let batch = GatherBuffers.batchSize
        let first = bytes(batch * 2 + batch / 2 + 7, seed: 1)
        let second = bytes(batch + 3, seed: 2)
        let gap = 4096
        let file = try temporaryFile(size: gap + first.count + gap + second.count + gap)
        defer { try? FileManager.default.removeItem(at: file) }
        let buffers = GatherBuffers()
        let buffer = buffers.take()

        let firstSink = try RangeSink(file, at: Int64(gap), buffer: buffer)
        var position = 0
        for size in [57 * 1024, 1, batch - 57 * 1024, batch + batch / 2 + 6] {
            try await firstSink.take(first[position..<(position + size)])
            position += size
        }
        #expect(position == first.count)
        try firstSink.finish()

        let secondSink = try RangeSink(file, at: Int64(gap + first.count + gap), buffer: buffer)
        try await secondSink.take(second.prefix(10))
        try await secondSink.take(second.dropFirst(10))
        try secondSink.finish()
        buffers.giveBack(buffer)

        let written = try Data(contentsOf: file)
        var expected = Data(count: gap)
        expected.append(first)
        expected.append(Data(count: gap))
        expected.append(second)
        expected.append(Data(count: gap))
        #expect(written.count == expected.count)
        #expect(written.elementsEqual(expected))
    }

    /// A buffer given back is the next one taken; two ranges in flight hold two.
    @Test func aDownloadHoldsOneBufferPerRangeInFlight() {
        let buffers = GatherBuffers()
        let one = buffers.take()
        let two = buffers.take()
        #expect(one !== two)
        buffers.giveBack(one)
        #expect(buffers.take() === one)
    }

    /// A server answering a range with more bytes than asked for is refused before the extra bytes reach the
    /// file (they would land on the next range's, or past the end). The last range is a few bytes short of a
    /// batch, so the surplus would be in the batch written when the buffer fills.
    @Test func aRangeAnsweredWithMoreBytesThanAskedIsRefusedBeforeItIsWritten() async throws {
        let partSize = GatherBuffers.batchSize
        let object = bytes(2 * partSize - 5, seed: 9)
        let transport = MockTransport { request, _ in
            if request.head.method == .head {
                return MockTransport.response(200, headers: ["Content-Length": String(object.count), "ETag": "\"E\""])
            }
            let range = request.head.headerFields[HTTPField.Name("Range")!] ?? ""
            let bounds = range.dropFirst("bytes=".count).split(separator: "-").compactMap { Int($0) }
            var body = object[bounds[0]...bounds[1]]
            if bounds[1] == object.count - 1 { body.append(Data(repeating: 0x58, count: 4096)) }
            return MockTransport.response(206, body: Data(body))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appendingPathComponent("object")
        var options = ResumableDownloadOptions()
        options.partSize = Int64(partSize)
        options.concurrency = 1
        await #expect(throws: OSSClientError.self) {
            _ = try await makeClient(transport) { $0.maxRetries = 0 }.bucket("b")
                .resumableDownload("k", to: destination, options: options)
        }
        let partial = try Data(contentsOf: Bucket.partialDownload(for: destination))
        #expect(partial.count == object.count)
        #expect(partial.prefix(partSize).elementsEqual(object.prefix(partSize)))
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }
}
