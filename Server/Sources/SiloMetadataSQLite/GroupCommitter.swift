import GRDB
import NIOConcurrencyHelpers

/// Group commit: writes that arrive while a transaction is being synced to disk are committed together in the
/// next one, each in its own savepoint, so concurrent PUTs share one WAL fsync instead of queueing for one each.
///
/// A caller resumes only after the transaction holding its write has committed (with `synchronous = FULL`, after
/// the WAL is on disk). A write that fails rolls back its own savepoint and fails alone; if SQLite aborts the
/// whole transaction instead, every write of the batch is retried in a transaction of its own, so each gets the
/// answer it would have had alone. Nothing waits to fill a batch: a lone write commits at once.
final class GroupCommitter: Sendable {
    private struct Entry: Sendable {
        let execute: @Sendable (Database) throws -> any Sendable
        let resume: @Sendable (Result<any Sendable, any Error>) -> Void
    }

    private struct State {
        var pending: [Entry] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let state = NIOLockedValueBox(State())
    /// At most this many writes share a transaction, so a batch's own work stays short.
    let maxBatch: Int

    init(pool: DatabasePool, maxBatch: Int = 64) {
        self.pool = pool
        self.maxBatch = maxBatch
    }

    /// Runs `work` in a transaction shared with whatever other writes are waiting, and returns its result once
    /// that transaction is durable.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let entry = Entry(execute: { try work($0) }, resume: { result in
                // The value came from this entry's own `work`, so it is a T.
                continuation.resume(with: result.map { $0 as! T })
            })
            let startDraining = state.withLockedValue { state -> Bool in
                state.pending.append(entry)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDraining { pool.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
    }

    /// On the writer's queue: commits one batch, then queues the next turn behind whatever other writes (a
    /// delete, a bucket change) arrived meanwhile, so a steady stream of PUTs cannot starve them.
    private func drain(_ db: Database) {
        if let batch = nextBatch() {
            let outcomes: [Result<any Sendable, any Error>]
            do {
                outcomes = try together(batch, db)
            } catch {
                outcomes = batch.map { entry in
                    Result {
                        var value: (any Sendable)?
                        try db.inTransaction(.immediate) {
                            value = try entry.execute(db)
                            return .commit
                        }
                        return value!
                    }
                }
            }
            for (entry, outcome) in zip(batch, outcomes) { entry.resume(outcome) }
            pool.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    private func nextBatch() -> [Entry]? {
        state.withLockedValue { state -> [Entry]? in
            guard !state.pending.isEmpty else {
                state.draining = false
                return nil
            }
            let batch = Array(state.pending.prefix(maxBatch))
            state.pending.removeFirst(batch.count)
            return batch
        }
    }

    /// One transaction, a savepoint per write. Throws when the transaction itself cannot commit.
    private func together(_ batch: [Entry], _ db: Database) throws -> [Result<any Sendable, any Error>] {
        var outcomes: [Result<any Sendable, any Error>] = []
        outcomes.reserveCapacity(batch.count)
        try db.inTransaction(.immediate) {
            for entry in batch {
                do {
                    var value: (any Sendable)?
                    try db.inSavepoint {
                        value = try entry.execute(db)
                        return .commit
                    }
                    outcomes.append(.success(value!))
                } catch {
                    // Its savepoint is rolled back; unless SQLite abandoned the transaction, the others go on.
                    guard db.isInsideTransaction else { throw error }
                    outcomes.append(.failure(error))
                }
            }
            return .commit
        }
        return outcomes
    }
}
