import Foundation
import SiloCore
import Testing

@testable import SiloClient

/// A download is checked against the file it wrote, part by part, not only against the bytes that arrived.
@Suite struct DownloadVerificationTests {
    func bytes(_ count: Int, seed: UInt8) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }

    @Test func findsEveryPartWhoseBytesOnDiskDifferFromWhatArrived() throws {
        let partSize: Int64 = 64 << 10
        let data = bytes(Int(partSize) * 3 + 1000, seed: 7)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("silo-verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        var record = DownloadCheckpoint(endpoint: "e", bucket: "b", key: "k", etag: "E", size: Int64(data.count),
                                        partSize: partSize, temporaryPath: file.path, completedParts: [0, 1, 2, 3])
        for index in 0..<4 {
            let start = index * Int(partSize)
            record.partCRCs[index] = CRC64.checksum(data[start..<min(start + Int(partSize), data.count)])
        }
        try data.write(to: file)
        #expect(try Bucket.damagedParts(record, file: file) == [])

        // The tail of part 1 written over the head of part 2, as a misdirected writer would leave it.
        var damaged = data
        let tail = data[Int(partSize) + 100..<Int(partSize) * 2]
        damaged.replaceSubrange(Int(partSize) * 2..<Int(partSize) * 2 + tail.count, with: tail)
        try damaged.write(to: file)
        #expect(try Bucket.damagedParts(record, file: file) == [2])

        // A part never written (a hole of zeros) and a file cut short.
        damaged = data
        damaged.replaceSubrange(0..<10, with: Data(count: 10))
        try damaged.prefix(data.count - 10).write(to: file)
        #expect(try Bucket.damagedParts(record, file: file) == [0, 3])
    }

    @Test func fileSlicesCoverTheRangeInOrderAndStopAtTheEnd() throws {
        let data = bytes(200_000, seed: 3)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("silo-slices-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try data.write(to: file)
        var seen = Data()
        var sizes: [Int] = []
        let read = try FileSlices.forEach(file, offset: 1000, length: 150_000) { slice in
            seen.append(contentsOf: slice)
            sizes.append(slice.count)
        }
        #expect(read == 150_000)
        #expect(seen == data[1000..<151_000])
        #expect(sizes == [65_536, 65_536, 18_928])

        var tail = Data()
        #expect(try FileSlices.forEach(file, offset: 190_000, length: 50_000) { tail.append(contentsOf: $0) } == 10_000)
        #expect(tail == data[190_000...])
    }
}
