import Foundation
import Testing

@testable import SiloClient

/// URLSession on Linux sends small bodies from memory: what is read must be exactly the slice or stream announced.
@Suite struct MemoryBodyTests {
    func bytes(_ count: Int) -> Data { Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }) }

    @Test func readsTheSliceAndRefusesAFileThatEndsEarly() throws {
        let data = bytes(300_000)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("silo-memory-body-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try data.write(to: file)
        #expect(try MemoryBody.read(file, offset: 0, length: 300_000) == data)
        #expect(try MemoryBody.read(file, offset: 100_001, length: 65_536) == data[100_001..<165_537])
        #expect(try MemoryBody.read(file, offset: 300_000, length: 0) == Data())
        #expect {
            _ = try MemoryBody.read(file, offset: 250_000, length: 50_001)
        } throws: { error in
            guard case .fileChanged = error as? OSSClientError else { return false }
            return true
        }
    }

    @Test func collectsExactlyTheAnnouncedLength() async throws {
        let chunks = [bytes(1000), bytes(24), bytes(3000)]
        func stream() -> ByteStream {
            let remaining = ChunkQueue(chunks)
            return ByteStream { remaining.next() }
        }
        #expect(try await MemoryBody.collect(stream(), length: 4024) == chunks.reduce(Data(), +))
        await #expect(throws: TransportError.self) { _ = try await MemoryBody.collect(stream(), length: 4023) }
        await #expect(throws: TransportError.self) { _ = try await MemoryBody.collect(stream(), length: 4025) }
    }
}

/// Hands out chunks one at a time to a `ByteStream`.
private final class ChunkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [Data]
    init(_ chunks: [Data]) { self.chunks = chunks }
    func next() -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return chunks.isEmpty ? nil : chunks.removeFirst()
    }
}
