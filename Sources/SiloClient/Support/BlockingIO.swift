import Foundation

/// Runs file system calls that can block (an fsync above all) on threads of their own, never on the caller's
/// executor. Swift's cooperative pool has one thread per core, and a process may run its tasks on its network
/// event loops (the `silo` CLI does): an fsync there stalls every transfer that shares the thread.
enum BlockingIO {
    private static let queue = DispatchQueue(label: "silo.blocking-io", attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
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
