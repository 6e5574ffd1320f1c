import Foundation
import NIOConcurrencyHelpers
import SiloIAM

/// Signed-in console users, in memory: a restart signs everyone out, which a console may do. Each session holds the
/// key it signed in with (its secret never leaves the server: it signs the presigned links and upload forms the
/// pages hand out) and its CSRF token.
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        let token: String
        let principal: Principal
        let accessKeyId: String
        let accessKeySecret: String
        let csrf: String
        let createdAt: Int64
        var lastSeenAt: Int64
    }

    static let idleSeconds: Int64 = 30 * 60
    static let maximumSeconds: Int64 = 8 * 3600
    static let maximumSessions = 10_000

    private let sessions = NIOLockedValueBox<[String: Session]>([:])
    let clock: @Sendable () -> Int64

    init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    func create(principal: Principal, accessKeyId: String, secret: String) -> Session {
        let now = clock()
        let session = Session(token: RandomText.alphanumeric(43), principal: principal, accessKeyId: accessKeyId,
                              accessKeySecret: secret, csrf: RandomText.alphanumeric(32), createdAt: now, lastSeenAt: now)
        sessions.withLockedValue { all in
            if all.count >= Self.maximumSessions { all = all.filter { Self.isLive($0.value, now: now) } }
            if all.count >= Self.maximumSessions, let oldest = all.values.min(by: { $0.lastSeenAt < $1.lastSeenAt }) {
                all[oldest.token] = nil
            }
            all[session.token] = session
        }
        return session
    }

    /// The live session of `token`, touched; nil when unknown, idle too long or too old.
    func session(_ token: String) -> Session? {
        let now = clock()
        return sessions.withLockedValue { all in
            guard var session = all[token] else { return nil }
            guard Self.isLive(session, now: now) else {
                all[token] = nil
                return nil
            }
            session.lastSeenAt = now
            all[token] = session
            return session
        }
    }

    func end(_ token: String) {
        _ = sessions.withLockedValue { $0.removeValue(forKey: token) }
    }

    private static func isLive(_ session: Session, now: Int64) -> Bool {
        now - session.lastSeenAt < idleSeconds && now - session.createdAt < maximumSeconds
    }
}
