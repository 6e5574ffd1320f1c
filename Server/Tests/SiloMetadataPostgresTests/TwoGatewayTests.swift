import Foundation
import SiloMetadataPostgres
import SiloStorage
import SiloStorageConformance
import Testing

/// Two stores on one database behave as two gateways do: separate connection pools, one source of truth.
@Suite struct TwoGatewayTests {
    static func pair() async throws -> (PostgresMetadataStore, PostgresMetadataStore) {
        let location = try await TestDatabase.fresh()
        // Both migrate at once, as gateways starting together do.
        async let first = PostgresMetadataStore(location: location, logger: TestDatabase.logger)
        async let second = PostgresMetadataStore(location: location, logger: TestDatabase.logger)
        return try await (first, second)
    }

    static func bucket(_ name: String) -> BucketRecord {
        BucketRecord(name: name, owner: "1", createdAt: 1_700_000_000, acl: .private, storageClass: .standard)
    }

    @Test func gatewaysStartingTogetherMigrateOnce() async throws {
        let location = try await TestDatabase.fresh()
        let stores = try await withThrowingTaskGroup(of: PostgresMetadataStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresMetadataStore(location: location, logger: TestDatabase.logger) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        _ = try await stores[0].createBucket(Self.bucket("b"))
        #expect(try await stores[3].bucket("b") != nil, "a write through one gateway is read through another")
        for store in stores { await store.shutdown() }
    }

    @Test func forbidOverwriteRacesHaveExactlyOneWinner() async throws {
        let (one, two) = try await Self.pair()
        _ = try await one.createBucket(Self.bucket("b"))
        for round in 0..<25 {
            let key = "race-\(round)"
            let a = ObjectStoreConformance.object(key, blobs: [BlobID.random()], etag: "A")
            let b = ObjectStoreConformance.object(key, blobs: [BlobID.random()], etag: "B")
            async let first = one.commitObject(a, newBlobs: Set(a.extents.map(\.blob)), condition: .mustNotExist)
            async let second = two.commitObject(b, newBlobs: Set(b.extents.map(\.blob)), condition: .mustNotExist)
            let outcomes = try await [first, second]
            #expect(outcomes.filter { $0 == .committed(versionId: nil) }.count == 1, "round \(round): \(outcomes)")
            let stored = try #require(try await two.object(bucket: "b", key: key))
            let winner = outcomes[0] == .committed(versionId: nil) ? a : b
            #expect(stored.etag == winner.etag)
        }
        await one.shutdown()
        await two.shutdown()
    }

    @Test func readModifyWriteRacesHaveExactlyOneWinner() async throws {
        let (one, two) = try await Self.pair()
        _ = try await one.createBucket(Self.bucket("b"))
        let original = ObjectStoreConformance.object("k", blobs: [BlobID.random()], etag: "O")
        _ = try await one.commitObject(original, newBlobs: Set(original.extents.map(\.blob)), condition: .none)
        let seen = ObjectVersion(original)
        for round in 0..<20 {
            let current = try #require(try await one.object(bucket: "b", key: "k"))
            var a = current
            a.etag = "A\(round)"
            var b = current
            b.etag = "B\(round)"
            let expected = round == 0 ? seen : ObjectVersion(current)
            async let first = one.commitObject(a, newBlobs: [], condition: .currentVersion(expected))
            async let second = two.commitObject(b, newBlobs: [], condition: .currentVersion(expected))
            let outcomes = try await [first, second]
            #expect(outcomes.filter { $0 == .committed(versionId: nil) }.count == 1, "round \(round): \(outcomes)")
        }
        await one.shutdown()
        await two.shutdown()
    }

    @Test func completeAndAbortRacesHaveExactlyOneWinnerAndLeakNothing() async throws {
        let (one, two) = try await Self.pair()
        _ = try await one.createBucket(Self.bucket("b"))
        for round in 0..<15 {
            let uploadId = String(format: "%08x", round)
            let upload = MultipartStoreConformance.upload("k", id: uploadId)
            _ = try await one.createUpload(upload)
            let part = MultipartStoreConformance.part(1, etag: "P\(round)")
            _ = try await two.commitPart(uploadId: uploadId, part, newBlobs: Set(part.extents.map(\.blob)))
            async let completed = one.completeUpload(bucket: "b", key: "k", uploadId: uploadId, parts: nil,
                                                     minimumPartSize: 0, lastModified: 1)
            async let aborted = two.abortUpload(bucket: "b", key: "k", uploadId: uploadId)
            let (completion, abort) = try await (completed, aborted)
            let didComplete: Bool
            if case .completed = completion { didComplete = true } else { didComplete = false }
            #expect(didComplete != abort, "round \(round): complete \(completion), abort \(abort)")
            if case .noSuchUpload = completion {} else if !didComplete {
                Issue.record("round \(round): the loser of the race must find the upload gone, got \(completion)")
            }
            let blob = part.extents[0].blob
            #expect(try await one.isReferenced(blob) == didComplete, "the part's bytes live only if the object does")
        }
        await one.shutdown()
        await two.shutdown()
    }

    @Test func collectorsOnTwoGatewaysClaimDisjointBatches() async throws {
        let (one, two) = try await Self.pair()
        _ = try await one.createBucket(Self.bucket("b"))
        var blobs: Set<BlobID> = []
        for index in 0..<200 {
            let blob = BlobID.random()
            blobs.insert(blob)
            _ = try await one.commitObject(ObjectStoreConformance.object("k\(index)", blobs: [blob]), newBlobs: [blob],
                                           condition: .none)
        }
        _ = try await two.deleteObjects(bucket: "b", keys: (0..<200).map { "k\($0)" })
        async let first = claimAll(one)
        async let second = claimAll(two)
        let (a, b) = try await (first, second)
        #expect(a.isDisjoint(with: b), "no blob is claimed by both collectors")
        #expect(a.union(b) == blobs, "together they claim every released blob")
        await one.shutdown()
        await two.shutdown()
    }

    private func claimAll(_ store: PostgresMetadataStore) async throws -> Set<BlobID> {
        var claimed: Set<BlobID> = []
        while true {
            let batch = try await store.claimReleasedBlobs(releasedBefore: Int64.max, lease: 300, limit: 16)
            if batch.isEmpty { return claimed }
            claimed.formUnion(batch)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anUnreachableDatabaseIsReportedUnavailableNotAwaited() async throws {
        let closed = try PostgresLocation(url: "postgres://silo@127.0.0.1:1/none")
        await #expect(throws: BackendUnavailable.self) {
            _ = try await PostgresMetadataStore(location: closed, deadline: .seconds(2), logger: TestDatabase.logger)
        }
    }
}
