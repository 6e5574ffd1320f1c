import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Notes whether a handler started reading the request body.
///
/// An error answered before the body is read (NoSuchBucket, AccessDenied, a wrong append position…) races the
/// client still sending it; some clients (AsyncHTTPClient) then fail the whole exchange and lose the error
/// document. So an error response first drains a body nobody read, up to `drainLimit`.
struct BodyReadTracker: Sendable {
    static let drainLimit = 16 << 20
    private let started = NIOLockedValueBox(false)

    var wasRead: Bool { started.withLockedValue { $0 } }

    func wrap(_ body: RequestBody) -> RequestBody {
        RequestBody(asyncSequence: TrackedBody(base: body, started: started))
    }

    /// Reads and discards the unread body when it is small enough to be worth keeping the exchange clean.
    func drainIfUnread(_ body: RequestBody, head: HTTPRequest) async {
        guard !wasRead, head.method == .put || head.method == .post,
            let length = head.headerFields[.contentLength].flatMap(Int.init), length > 0, length <= Self.drainLimit
        else { return }
        do {
            for try await _ in body {}
        } catch {
            // The client went away; nothing left to protect.
        }
    }
}

private struct TrackedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let started: NIOLockedValueBox<Bool>

    func makeAsyncIterator() -> RequestBody.AsyncIterator {
        started.withLockedValue { $0 = true }
        return base.makeAsyncIterator()
    }
}
