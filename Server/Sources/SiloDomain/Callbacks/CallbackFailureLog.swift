import NIOConcurrencyHelpers

/// The latest upload callbacks that failed on this gateway (bounded), for the console's health page: a callback
/// failure leaves the object stored and answers the uploader 203, so without this nobody operating Silo sees it.
public final class CallbackFailureLog: Sendable {
    public struct Failure: Sendable, Hashable {
        public var time: Int64
        public var bucket: String
        public var key: String
        public var reason: String
    }

    let capacity: Int
    private let failures = NIOLockedValueBox<[Failure]>([])

    public init(capacity: Int = 100) {
        self.capacity = capacity
    }

    func record(_ failure: Failure) {
        failures.withLockedValue { list in
            list.append(failure)
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }

    /// Failures at or after `since`, newest first.
    public func since(_ since: Int64) -> [Failure] {
        failures.withLockedValue { $0.filter { $0.time >= since }.reversed() }
    }
}
