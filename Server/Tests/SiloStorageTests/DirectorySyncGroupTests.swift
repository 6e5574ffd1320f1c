import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import SiloStorage

/// A directory whose "entries" are a counter and whose "sync" records the counter as it was when the sync began:
/// an entry is durable once a sync that began after it has finished.
private final class FakeDirectory: Sendable {
    private struct State {
        var entries = 0
        var durableEntries = 0
        var syncs = 0
        var running = 0
        var mostAtOnce = 0
    }
    private let state = NIOLockedValueBox(State())
    let failAfter: Int?

    init(failAfter: Int? = nil) { self.failAfter = failAfter }

    /// Adds an entry; returns its number.
    func change() -> Int { state.withLockedValue { $0.entries += 1; return $0.entries } }

    func sync() throws {
        let (startedWith, number) = state.withLockedValue { state -> (Int, Int) in
            state.syncs += 1
            state.running += 1
            state.mostAtOnce = max(state.mostAtOnce, state.running)
            return (state.entries, state.syncs)
        }
        // Long enough for other writers to pile up behind this sync.
        usleep(5_000)
        state.withLockedValue { state in
            state.running -= 1
            if failAfter.map({ number > $0 }) != true { state.durableEntries = max(state.durableEntries, startedWith) }
        }
        if let failAfter, number > failAfter { throw StorageIOError(operation: "fsync", path: "/fake", errno: EIO) }
    }

    var durableEntries: Int { state.withLockedValue { $0.durableEntries } }
    var syncs: Int { state.withLockedValue { $0.syncs } }
    var mostAtOnce: Int { state.withLockedValue { $0.mostAtOnce } }
}

@Suite struct DirectorySyncGroupTests {
    /// Runs `writers` threads that each change the directory and then sync it; returns, per writer, its entry
    /// and how many entries were durable the moment its sync() returned (or what it threw).
    private func race(_ directory: FakeDirectory, writers: Int) -> [Result<(entry: Int, durable: Int), any Error>] {
        let group = DirectorySyncGroup(path: "/fake") { _ in try directory.sync() }
        let results = NIOLockedValueBox([Result<(entry: Int, durable: Int), any Error>]())
        let threads = (0..<writers).map { _ in
            Thread {
                let entry = directory.change()
                let outcome = Result { try group.sync() }.map { (entry: entry, durable: directory.durableEntries) }
                results.withLockedValue { $0.append(outcome) }
            }
        }
        threads.forEach { $0.start() }
        while results.withLockedValue({ $0.count }) < writers { usleep(1_000) }
        return results.withLockedValue { $0 }
    }

    @Test func everyWriterReturnsOnlyOnceItsEntryIsDurableAndWritersShareSyncs() throws {
        let directory = FakeDirectory()
        let results = race(directory, writers: 40)
        for result in results {
            let writer = try result.get()
            #expect(writer.durable >= writer.entry, "a writer returned before a sync covering its entry had finished")
        }
        #expect(directory.mostAtOnce == 1, "syncs of one directory never overlap")
        #expect(directory.syncs < 40, "40 writers arriving together shared syncs (\(directory.syncs) ran)")
    }

    @Test func aWriterReturnsOnlyAfterASyncThatStartedAfterItsChange() throws {
        // One writer at a time: each must cause (or wait for) a sync of its own entry.
        let directory = FakeDirectory()
        let group = DirectorySyncGroup(path: "/fake") { _ in try directory.sync() }
        for _ in 0..<5 {
            let entry = directory.change()
            try group.sync()
            #expect(directory.durableEntries >= entry)
        }
        #expect(directory.syncs == 5)
    }

    @Test func aFailedSyncFailsItsWritersAndEveryLaterOne() {
        let directory = FakeDirectory(failAfter: 0)
        let results = race(directory, writers: 8)
        #expect(results.allSatisfy { (try? $0.get()) == nil }, "no writer covered by a failed sync reports success")
        // Only the first sync fails; the one after it would succeed, but could not vouch for the lost writes.
        let attempts = NIOLockedValueBox(0)
        let group = DirectorySyncGroup(path: "/fake") { _ in
            let attempt = attempts.withLockedValue { $0 += 1; return $0 }
            if attempt == 1 { throw StorageIOError(operation: "fsync", path: "/fake", errno: EIO) }
        }
        #expect(throws: StorageIOError.self) { try group.sync() }
        #expect(throws: StorageIOError.self, "a failure is never forgotten") { try group.sync() }
        #expect(attempts.withLockedValue { $0 } == 1, "no sync is attempted after a failure")
    }

    @Test func syncsARealDirectory() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("silo-dirsync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try DirectorySyncGroup(path: path).sync()
        #expect(throws: StorageIOError.self) { try DirectorySyncGroup(path: path + "/missing").sync() }
    }
}

@Suite struct BlobStoreReadinessAfterAFailedSync {
    @Test func aStoreWhoseStagingSyncFailedIsNotReady() async throws {
        let fixture = try BlobStoreFixture()
        try await fixture.store.checkReachable()
        // The directory disappearing makes the next write's sync fail (open of the folder: ENOENT).
        try FileManager.default.removeItem(atPath: fixture.directory + "/staging")
        #expect(throws: StorageIOError.self) { try fixture.store.stagingSync.sync() }
        try FileManager.default.createDirectory(atPath: fixture.directory + "/staging", withIntermediateDirectories: true)
        await #expect(throws: BackendUnavailable.self, "readiness reports the failed sync even once the folder is back") {
            try await fixture.store.checkReachable()
        }
    }
}
