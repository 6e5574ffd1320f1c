import Crypto
import Foundation
import Logging
import NIOCore
import SiloBlobS3
import SiloCore
import SiloMetadataPostgres
import SiloStorage
import Testing

/// The S3 blob store against the RGW that `scripts/with-rgw.sh` starts (SILO_TEST_S3_URL), with its intent log in
/// the PostgreSQL that `scripts/with-postgres.sh` starts.
@Suite struct S3BlobStoreTests {
    struct NotConfigured: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) is not set: run these tests through `make test-swift`" }
    }

    static var logger: Logger {
        var logger = Logger(label: "silo.test.s3")
        logger.logLevel = .warning
        return logger
    }

    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name] else { throw NotConfigured(variable: name) }
        return value
    }

    /// A store under a fresh prefix (so tests never see each other's blobs), small chunks so every test crosses
    /// chunk boundaries, and a metadata store for its intents.
    static func withStore(chunkSize: Int = 64 << 10, heartbeat: Duration = .seconds(60), abandonedAfter: Int64 = 600,
                          _ body: (S3BlobStore, PostgresMetadataStore) async throws -> Void) async throws {
        var location = try S3Location(url: try environment("SILO_TEST_S3_URL"))
        location.prefix = "t-\(UUID().uuidString.lowercased())/"
        var database = try PostgresLocation(url: try environment("SILO_TEST_POSTGRES_URL"))
        database.database = try await Self.freshDatabase(database)
        let metadata = try await PostgresMetadataStore(location: database, logger: logger)
        let store = S3BlobStore(location: location, intents: metadata, chunkSize: chunkSize, heartbeat: heartbeat,
                                abandonedAfter: abandonedAfter, logger: logger)
        do {
            try await store.prepare()
            try await body(store, metadata)
        } catch {
            try? await store.shutdown()
            await metadata.shutdown()
            throw error
        }
        try await store.shutdown()
        await metadata.shutdown()
    }

    static func freshDatabase(_ server: PostgresLocation) async throws -> String {
        let name = "s3_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await PostgresMetadataStore.administer(server, logger: logger)
        try await admin.createDatabase(name)
        await admin.shutdown()
        return name
    }

    static func bytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    static func body(_ bytes: [UInt8], piece: Int = 10_000) -> AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + piece)
                continuation.yield(ByteBuffer(bytes: bytes[offset..<end]))
                offset = end
            }
            continuation.finish()
        }
    }

    @Test func blobsRoundTripAcrossChunksWithTheirDigests() async throws {
        try await Self.withStore { store, _ in
            for size in [0, 1, 65_536, 65_537, 300_001] {
                let data = Self.bytes(size)
                let digest = try await store.write(Self.body(data), limit: 1 << 30)
                #expect(digest.size == Int64(size))
                #expect(digest.md5 == Array(Insecure.MD5.hash(data: data)))
                var crc = CRC64()
                data.withUnsafeBytes { crc.update(buffer: $0) }
                #expect(digest.crc64 == crc.value)
                let whole = try await store.readWhole([digest.extent], range: 0..<Int64(size))
                #expect(Array(whole.readableBytesView) == data, "size \(size)")
            }
        }
    }

    @Test func rangesAcrossExtentsReadOnlyWhatTheyCover() async throws {
        try await Self.withStore { store, _ in
            let first = Self.bytes(200_000, seed: 1)
            let second = Self.bytes(70_000, seed: 2)
            let a = try await store.write(Self.body(first), limit: 1 << 30)
            let b = try await store.write(Self.body(second), limit: 1 << 30)
            // An object made of a slice of a, then b whole (as an append or a multipart complete makes).
            let extents = [Extent(blob: a.blob, offset: 1_000, length: 150_000), b.extent]
            let logical = Array(first[1_000..<151_000]) + second
            let reader = try await store.reader(for: extents)
            #expect(reader.size == Int64(logical.count))
            for range in [0..<1, 65_000..<66_000, 149_990..<150_010, 0..<Int64(logical.count), 219_999..<220_000] {
                var received: [UInt8] = []
                try await reader.read(range, chunkSize: 8_192) { piece in
                    #expect(piece.readableBytes <= 8_192)
                    received += piece.readableBytesView
                }
                #expect(received == Array(logical[Int(range.lowerBound)..<Int(range.upperBound)]), "\(range)")
            }
            await reader.close()
        }
    }

    @Test func aWriteOverItsLimitLeavesNothing() async throws {
        try await Self.withStore { store, _ in
            await #expect(throws: BlobWriteError.self) {
                _ = try await store.write(Self.body(Self.bytes(200_000)), limit: 150_000)
            }
            let remaining = try await store.allBlobs()
            #expect(remaining.isEmpty, "the chunks already sent were removed")
        }
    }

    @Test func deleteRemovesEveryChunk() async throws {
        try await Self.withStore { store, _ in
            let kept = try await store.write(Self.body(Self.bytes(100_000)), limit: 1 << 30)
            let gone = try await store.write(Self.body(Self.bytes(200_000)), limit: 1 << 30)
            try await store.delete(gone.blob)
            #expect(try await store.allBlobs() == [kept.blob])
        }
    }

    @Test func abandonedWritesAreFoundFromTheIntentLogAndFreed() async throws {
        // Intents count as abandoned at once, as they would be after a writer's gateway died long ago.
        try await Self.withStore(abandonedAfter: -1) { store, metadata in
            let committed = try await store.write(Self.body(Self.bytes(100_000)), limit: 1 << 30)
            let abandoned = try await store.write(Self.body(Self.bytes(100_000)), limit: 1 << 30)
            // The first was committed (the commit clears its intent, so a gateway dying before publish changes
            // nothing), the second never was.
            _ = try await metadata.createBucket(BucketRecord(name: "b", owner: "1", createdAt: 1, acl: .private,
                                                             storageClass: .standard))
            let record = ObjectRecord(
                bucket: "b", key: "k", size: committed.size, etag: "E", lastModified: 1, contentType: "x", contentMD5: nil,
                crc64: committed.crc64, type: .normal, storageClass: .standard, acl: .default, headers: StoredHeaders(),
                userMetadata: [], extents: [committed.extent])
            #expect(try await metadata.commitObject(record, newBlobs: [committed.blob], condition: .none) == .committed(versionId: nil))
            let freed = try await store.collectAbandoned { blob in try await metadata.isReferenced(blob) }
            #expect(freed == 1)
            let remaining = try await store.allBlobs()
            #expect(remaining == [committed.blob] && !remaining.contains(abandoned.blob),
                    "only the uncommitted write's chunks went")
            #expect(try await store.collectAbandoned { _ in false } == 0, "every intent was settled")
        }
    }

    @Test func aWriteWhoseIntentACollectorClaimedCannotBeCommitted() async throws {
        try await Self.withStore { store, metadata in
            let written = try await store.write(Self.body(Self.bytes(1000)), limit: 1 << 30)
            _ = try await metadata.createBucket(BucketRecord(name: "b", owner: "1", createdAt: 1, acl: .private,
                                                             storageClass: .standard))
            // A collector took the intent for abandoned (the writer was silent too long) and is freeing its chunks.
            #expect(try await metadata.claimAbandonedIntents(staleAfter: -1, lease: 300, limit: 10) == [written.blob])
            let record = ObjectRecord(
                bucket: "b", key: "k", size: written.size, etag: "E", lastModified: 1, contentType: "x", contentMD5: nil,
                crc64: written.crc64, type: .normal, storageClass: .standard, acl: .default, headers: StoredHeaders(),
                userMetadata: [], extents: [written.extent])
            await #expect(throws: IntentLost.self) {
                try await metadata.commitObject(record, newBlobs: [written.blob], condition: .none)
            }
            #expect(try await metadata.object(bucket: "b", key: "k") == nil, "nothing names the freed blob")
            #expect(try await !metadata.isReferenced(written.blob))
        }
    }
}
