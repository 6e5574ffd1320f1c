/// Bounds how many requests are in flight at once. Waiters are served in arrival order; a cancelled waiter
/// leaves the queue and throws `CancellationError`.
final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextId: UInt64 = 0
    }

    private let state: Locked<State>

    init(permits: Int) {
        precondition(permits > 0, "at least one permit")
        state = Locked(State(available: permits))
    }

    func acquire() async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let granted = state.withLock { state -> Bool in
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return false
                }
                if granted { continuation.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

/// One acquired permit, released exactly once: explicitly, or when the last reference goes away (a response
/// body dropped unread must not leak its slot).
final class Permit: Sendable {
    private let semaphore: AsyncSemaphore
    private let released = Locked(false)

    init(_ semaphore: AsyncSemaphore) { self.semaphore = semaphore }

    func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { semaphore.release() }
    }

    deinit { release() }
}
