import Foundation

/// One fsync of a directory shared by every writer whose entry changed before it started.
///
/// Every blob is created in the staging directory, and its entry must be durable before metadata names it. A
/// writer syncing the directory on its own queues one journal commit per PUT behind the others; here a writer
/// takes a ticket after its change and returns once a sync that started after that ticket has finished, so
/// concurrent writers share one sync (at most one running, the next one covering everyone who arrived meanwhile).
///
/// Runs on the blob pool's threads and blocks them while a sync covering them runs, as their own sync would.
/// After a failed sync nothing written since the last good one can be trusted to be on disk, and a later sync
/// may succeed without having written it (Linux reports a writeback error once): every later call fails too,
/// until the process restarts, as PostgreSQL does after a failed fsync.
final class DirectorySyncGroup: @unchecked Sendable {
    let path: String
    private let syncAction: @Sendable (String) throws -> Void
    // Guards everything below.
    private let condition = NSCondition()
    private var issuedTickets = 0
    private var durableThrough = 0
    private var syncing = false
    private var failure: (any Error)?

    init(path: String, sync: @escaping @Sendable (String) throws -> Void = DirectorySyncGroup.fsyncDirectory) {
        self.path = path
        self.syncAction = sync
    }

    /// The failure that stopped every later sync, for readiness checks.
    var failedSync: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Returns once the directory's entries as they were at this call are durable. Call after the change.
    func sync() throws {
        condition.lock()
        defer { condition.unlock() }
        issuedTickets += 1
        let ticket = issuedTickets
        while true {
            if let failure { throw failure }
            if durableThrough >= ticket { return }
            if syncing {
                condition.wait()
                continue
            }
            // Everyone holding a ticket now is covered: their changes happened before this sync starts.
            syncing = true
            let covers = issuedTickets
            condition.unlock()
            let outcome = Result { try syncAction(path) }
            condition.lock()
            syncing = false
            switch outcome {
            case .success: durableThrough = max(durableThrough, covers)
            case .failure(let error): failure = error
            }
            condition.broadcast()
        }
    }

    @Sendable static func fsyncDirectory(_ path: String) throws {
        let fd = try POSIX.open(path, O_RDONLY | O_DIRECTORY)
        defer { POSIX.close(fd) }
        try POSIX.sync(fd, path: path)
    }
}
