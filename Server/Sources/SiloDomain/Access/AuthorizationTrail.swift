import NIOConcurrencyHelpers
import SiloPolicy

/// The decisions one request's authorization made, in order, for its audit record. A front end binds one to the
/// task that serves a request; `AccessControl` adds every decision it takes there (a copy's source, a
/// watermark and each key of a batch delete included), allowed or not.
public final class AuthorizationTrail: Sendable {
    @TaskLocal public static var current: AuthorizationTrail?

    private let decisions = NIOLockedValueBox<[Decision]>([])

    public init() {}

    func record(_ decision: Decision) {
        decisions.withLockedValue { $0.append(decision) }
    }

    public var all: [Decision] { decisions.withLockedValue { $0 } }

    /// The decision that settled the request: the first refusal, or else the last decision.
    public var deciding: Decision? {
        let all = self.all
        return all.first { !$0.allowed } ?? all.last
    }
}
