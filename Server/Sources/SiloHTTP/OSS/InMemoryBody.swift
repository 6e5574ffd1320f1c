import NIOConcurrencyHelpers

/// Set by a handler whose response carries its whole body in memory (one buffer, or none).
///
/// The responder's bookkeeping after a body (the audit record, the metrics, the in-flight gauge) wraps a
/// streamed body in a closure that runs it once the last byte is handed to the connection. For a body already
/// in memory there is nothing left to wait for, so the responder does it at once and returns the body as it
/// is, which Hummingbird writes with its head in one step instead of three (head, body, end): a tenth of a
/// small GET's CPU. Hummingbird's `ResponseBody` does not say what it holds, so the handler that built it does.
final class InMemoryBody: Sendable {
    private let marked = NIOLockedValueBox(false)

    func mark() { marked.withLockedValue { $0 = true } }

    var isMarked: Bool { marked.withLockedValue { $0 } }
}
