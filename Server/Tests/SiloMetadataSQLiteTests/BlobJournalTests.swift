import Foundation
import Logging
import SiloCore
import SiloMetadataSQLite
import SiloStorage
import SiloStorageConformance
import Testing

/// Small PUTs whose bytes ride in the metadata commit (one sync) instead of a sync of their own file: what a
/// power loss can take from the file, the journal gives back.
@Suite struct BlobJournalTests {
    static let limit = 16 << 10

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// Both places the blob's file can be: staged (not yet renamed) and published.
    static func files(of blob: BlobID, in fixture: StorageFixture) -> [String] {
        let raw = blob.raw
        let shard = String(raw.prefix(2)) + "/" + String(raw.dropFirst(2).prefix(2))
        return [fixture.directory + "/blobs/" + shard + "/" + raw, fixture.directory + "/staging/" + raw]
    }

    /// What a power loss may leave of files written but never synced: an empty file, or none.
    static func lose(_ blob: BlobID, in fixture: StorageFixture, remove: Bool) throws {
        for path in files(of: blob, in: fixture) where FileManager.default.fileExists(atPath: path) {
            if remove { try FileManager.default.removeItem(atPath: path) } else { try Data().write(to: URL(fileURLWithPath: path)) }
        }
    }

    @Test func aSmallPutComesBackFromTheJournalWhenItsFileIsLost() async throws {
        let fixture = try await StorageFixture(journalUpTo: Self.limit)
        let emptied = Self.bytes(4096, seed: 1), removed = Self.bytes(Self.limit, seed: 2)
        let first = try await fixture.put("emptied", emptied)
        let second = try await fixture.put("removed", removed)
        let journaled = try await fixture.metadata.journaledBlobs(limit: 10)
        #expect(journaled.map(\.blob) == [first.extents[0].blob, second.extents[0].blob])
        #expect(journaled.map(\.bytes) == [emptied, removed])

        try Self.lose(first.extents[0].blob, in: fixture, remove: false)
        try Self.lose(second.extents[0].blob, in: fixture, remove: true)
        // The loss is real: the file no longer holds the object.
        await #expect(throws: (any Error).self) { _ = try await fixture.read("emptied") }

        try await fixture.collector.recover()
        #expect(try await fixture.read("emptied") == emptied)
        #expect(try await fixture.read("removed") == removed)
        #expect(try await fixture.metadata.journaledBlobs(limit: 10).isEmpty)
        try await fixture.expectNoOrphans()
    }

    @Test func aLargerPutSyncsItsOwnFileAndIsNotJournaled() async throws {
        let fixture = try await StorageFixture(journalUpTo: Self.limit)
        _ = try await fixture.put("large", Self.bytes(Self.limit + 1, seed: 3))
        #expect(try await fixture.metadata.journaledBlobs(limit: 10).isEmpty)
    }

    @Test func aStoreWithoutAJournalLimitSyncsEveryPut() async throws {
        let fixture = try await StorageFixture()
        _ = try await fixture.put("small", Self.bytes(10, seed: 4))
        #expect(try await fixture.metadata.journaledBlobs(limit: 10).isEmpty)
    }

    @Test func aCheckpointSyncsTheFilesAndForgetsTheirBytes() async throws {
        let fixture = try await StorageFixture(journalUpTo: Self.limit)
        var expected: [String: [UInt8]] = [:]
        var blobs: [BlobID] = []
        for index in 0..<3 {
            expected["k\(index)"] = Self.bytes(100 + index, seed: UInt64(index))
            blobs.append(try await fixture.put("k\(index)", expected["k\(index)"]!).extents[0].blob)
        }
        // Committed, readable, and still staged: the checkpoint renames them with the rest of its second.
        for (key, bytes) in expected { #expect(try await fixture.read(key) == bytes) }
        for blob in blobs { #expect(FileManager.default.fileExists(atPath: Self.files(of: blob, in: fixture)[1])) }
        let checkpointer = BlobJournalCheckpointer(journal: fixture.metadata, blobs: fixture.blobs, logger: Logger(label: "test"))
        #expect(try await checkpointer.checkpoint() == 3)
        for blob in blobs {
            let (published, staged) = (Self.files(of: blob, in: fixture)[0], Self.files(of: blob, in: fixture)[1])
            #expect(FileManager.default.fileExists(atPath: published) && !FileManager.default.fileExists(atPath: staged))
        }
        #expect(try await fixture.metadata.journaledBlobIDs(limit: 10).isEmpty)
        #expect(try await checkpointer.checkpoint() == 0)
        for (key, bytes) in expected { #expect(try await fixture.read(key) == bytes) }
    }

    @Test func aReplayDoesNotBringBackABlobNothingRefersTo() async throws {
        let fixture = try await StorageFixture(journalUpTo: Self.limit)
        let old = try await fixture.put("k", Self.bytes(50, seed: 5))
        let new = Self.bytes(60, seed: 6)
        _ = try await fixture.put("k", new)
        try Self.lose(old.extents[0].blob, in: fixture, remove: true)
        try await fixture.collector.recover()
        #expect(Self.files(of: old.extents[0].blob, in: fixture).allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(try await fixture.read("k") == new)
        #expect(try await fixture.metadata.journaledBlobs(limit: 10).isEmpty)
        try await fixture.expectNoOrphans()
    }

    @Test func aCommitThatFailsLeavesNothingInTheJournal() async throws {
        let fixture = try await StorageFixture(journalUpTo: Self.limit)
        let missing = BucketRecord(name: "gone", owner: "1", createdAt: 1, acl: .private, storageClass: .standard)
        await #expect(throws: StorageError.self) {
            _ = try await fixture.service.put(bucket: missing, key: "k", body: ByteChunks(Self.bytes(10, seed: 7)),
                                              expectedLength: 10, contentMD5: nil, attributes: ObjectAttributes(),
                                              forbidOverwrite: false)
        }
        #expect(try await fixture.metadata.journaledBlobs(limit: 10).isEmpty)
        try await fixture.expectNoOrphans()
    }
}
