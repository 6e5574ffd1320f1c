import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import SiloStorageConformance
import Testing

@testable import SiloStorage

/// Writes that take staging files made and synced ahead sync their data but not the directory, and the files
/// waiting in reserve are never mistaken for blobs.
@Suite struct StagingReserveTests {
    /// A store with a reserve of 4, counting the staging directory's syncs.
    final class Fixture {
        let directory: String
        let pool: NIOThreadPool
        let store: LocalBlobStore
        let syncs = NIOLockedValueBox(0)

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-reserve-\(UUID().uuidString)").path
            pool = NIOThreadPool(numberOfThreads: 2)
            pool.start()
            let syncs = self.syncs
            store = try LocalBlobStore(root: directory, pool: pool, writeBatchBytes: 1000, reservedFiles: 4) { path in
                syncs.withLockedValue { $0 += 1 }
                try DirectorySyncGroup.fsyncDirectory(path)
            }
        }

        deinit {
            try? pool.syncShutdownGracefully()
            try? FileManager.default.removeItem(atPath: directory)
        }

        var staged: Set<String> {
            Set((try? FileManager.default.contentsOfDirectory(atPath: directory + "/staging")) ?? [])
        }

        /// Waits for the background refill to fill the reserve.
        func waitForFullReserve() async throws -> Set<BlobID> {
            for _ in 0..<500 {
                let waiting = try #require(store.reserve).waiting
                if waiting.count == 4 { return waiting }
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            throw ReserveNeverFilled()
        }
    }

    struct ReserveNeverFilled: Error {}

    @Test func aWriteFromTheReserveSyncsNoDirectory() async throws {
        let fixture = try Fixture()
        // The reserve starts empty: the first write makes its own file and syncs the directory for it.
        let first = try await fixture.store.write(ByteChunks([[1, 2, 3]]), limit: 10_000)
        let reserved = try await fixture.waitForFullReserve()
        #expect(fixture.staged == Set(reserved.map(\.raw)).union([first.blob.raw]), "made ahead, in staging")
        #expect(try await fixture.store.allBlobs() == [first.blob], "files in reserve are not blobs")

        let syncsBefore = fixture.syncs.withLockedValue { $0 }
        let small = try await fixture.store.write(ByteChunks([[4, 5]]), limit: 10_000)
        let large = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let streamed = try await fixture.store.write(ByteChunks([Array(large[..<1500]), Array(large[1500...])]), limit: 10_000)
        #expect(reserved.contains(small.blob) && reserved.contains(streamed.blob), "both took reserved files")
        #expect(fixture.syncs.withLockedValue { $0 } == syncsBefore, "no directory sync on a reserved file's write")
        #expect(streamed.size == 3000)
        #expect(try await read(fixture.store, [small.extent], 0..<2) == [4, 5])
        #expect(try await read(fixture.store, [streamed.extent], 0..<3000, chunk: 512) == large)

        // Below half, the reserve is refilled with one more sync for the whole batch.
        _ = try await fixture.store.write(ByteChunks([[6]]), limit: 10_000)
        let refilled = try await fixture.waitForFullReserve()
        #expect(fixture.syncs.withLockedValue { $0 } == syncsBefore + 1)
        #expect(refilled.isDisjoint(with: [small.blob, streamed.blob]))

        // Released at shutdown: only the blobs stay in staging.
        fixture.store.releaseReserve()
        let blobs = try await fixture.store.allBlobs()
        #expect(blobs.count == 4 && blobs.contains(small.blob) && blobs.contains(streamed.blob))
        #expect(fixture.staged == Set(blobs.map(\.raw)))
    }

    /// Files left in reserve by a crash are discarded at the next start, as any staged file no metadata names.
    @Test func recoveryDiscardsTheReserveACrashLeft() async throws {
        let fixture = try Fixture()
        let kept = try await fixture.store.write(ByteChunks([[9]]), limit: 10)
        let reserved = try await fixture.waitForFullReserve()

        let restarted = try LocalBlobStore(root: fixture.directory, pool: fixture.pool, reservedFiles: 4)
        let keptID = kept.blob
        let report = try await restarted.recover { $0 == keptID }
        #expect(report == RecoveryReport(published: 1, discarded: reserved.count))
        #expect(fixture.staged.isEmpty)
        #expect(try await restarted.allBlobs() == [kept.blob])
    }
}
