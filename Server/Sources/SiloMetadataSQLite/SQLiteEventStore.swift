import GRDB
import SiloStorage

extension SQLiteMetadataStore: EventStore {
    static let eventColumns = "seq, bucket, key, rule_id, endpoint, name, etag, size, time, state, attempts, last_error"

    static func event(from row: Row) -> StoredEvent {
        let fields = PendingEvent(
            ruleId: row[3], endpoint: row[4], name: row[5], bucket: row[1], key: row[2], etag: row[6], size: row[7],
            time: row[8])
        return StoredEvent(sequence: row[0], event: fields, state: StoredEvent.State(rawValue: row[9]) ?? .pending,
                           attempts: row[10], lastError: row[11])
    }

    public func claimDueEvents(now: Int64, lease: Int64, limit: Int) async throws -> [StoredEvent] {
        try await pool.write { db in
            // Each key and rule's oldest pending event only: a later one waits until it is delivered or dead.
            let due = try Row.fetchAll(db, sql: """
                SELECT \(Self.eventColumns) FROM events e
                WHERE state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                  AND NOT EXISTS (SELECT 1 FROM events p WHERE p.state = 'pending' AND p.bucket = e.bucket
                                  AND p.key = e.key AND p.rule_id = e.rule_id AND p.seq < e.seq)
                ORDER BY seq LIMIT ?
                """, arguments: [now, now, limit]).map(Self.event(from:))
            for event in due {
                try db.execute(sql: "UPDATE events SET claimed_until = ? WHERE seq = ?", arguments: [now + lease, event.sequence])
            }
            return due
        }
    }

    public func finishEvent(_ sequence: Int64, outcome: EventOutcome) async throws {
        try await pool.write { db in
            switch outcome {
            case .delivered:
                // Delivered events are done with; the outbox keeps what still needs attention.
                try db.execute(sql: "DELETE FROM events WHERE seq = ?", arguments: [sequence])
            case .retry(let at, let attempts, let error):
                try db.execute(sql: "UPDATE events SET attempts = ?, next_attempt_at = ?, claimed_until = NULL, last_error = ? WHERE seq = ?",
                               arguments: [attempts, at, error, sequence])
            case .dead(let attempts, let error):
                try db.execute(sql: "UPDATE events SET state = 'dead', attempts = ?, claimed_until = NULL, last_error = ? WHERE seq = ?",
                               arguments: [attempts, error, sequence])
            }
        }
    }

    public func events(state: StoredEvent.State, bucket: String?, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            if let bucket {
                return try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM events WHERE state = ? AND bucket = ? ORDER BY seq LIMIT ?",
                                        arguments: [state.rawValue, bucket, limit]).map(Self.event(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM events WHERE state = ? ORDER BY seq LIMIT ?",
                                    arguments: [state.rawValue, limit]).map(Self.event(from:))
        }
    }

    public func replayDeadEvents(bucket: String?, now: Int64) async throws -> Int {
        try await pool.write { db in
            if let bucket {
                try db.execute(sql: "UPDATE events SET state = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = NULL WHERE state = 'dead' AND bucket = ?",
                               arguments: [now, bucket])
            } else {
                try db.execute(sql: "UPDATE events SET state = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = NULL WHERE state = 'dead'",
                               arguments: [now])
            }
            return db.changesCount
        }
    }
}
