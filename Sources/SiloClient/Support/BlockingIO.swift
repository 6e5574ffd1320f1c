import Foundation

/// Runs file system calls that can block (an fsync above all) on threads of their own, never on the caller's
/// executor. Swift's cooperative pool has one thread per core, and a process may run its tasks on its network
/// event loops (the `silo` CLI does): an fsync there stalls every transfer that shares the thread.
///
/// Four fixed threads: the syncs of parallel parts overlap, and a burst of blocked jobs cannot make a dispatch
/// pool start a thread for each.
final class BlockingIO: @unchecked Sendable {
    private static let shared = BlockingIO(threads: 4)

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var next = 0

    private init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "silo.blocking-io.\(index)"
            thread.start()
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            shared.submit { continuation.resume(with: Result { try work() }) }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while next == jobs.count { condition.wait() }
            let job = jobs[next]
            next += 1
            // The queue is emptied in place once drained, so it never grows with the jobs it has run.
            if next == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            condition.unlock()
            job()
        }
    }
}

/// Runs blocking work in the order it was submitted, off the caller's executor: a later checkpoint never
/// lands before an earlier one.
final class SerialBlockingIO: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
