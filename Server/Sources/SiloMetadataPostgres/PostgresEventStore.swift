import Logging
import PostgresNIO
import SiloStorage

extension PostgresMetadataStore: EventStore {
    static let eventColumns = "seq, bucket, key, rule_id, endpoint, name, etag, size, time, state, attempts, last_error"

    static func event(from row: PostgresRow) throws -> StoredEvent {
        let (seq, bucket, key, ruleId, endpoint, name, etag, size, time, state, attempts, lastError) = try row.decode(
            (Int64, String, String, String, String, String, String?, Int64?, Int64, String, Int64, String?).self)
        let fields = PendingEvent(ruleId: ruleId, endpoint: endpoint, name: name, bucket: bucket, key: key, etag: etag,
                                  size: size, time: time)
        return StoredEvent(sequence: seq, event: fields, state: StoredEvent.State(rawValue: state) ?? .pending,
                           attempts: Int(attempts), lastError: lastError)
    }

    public func claimDueEvents(now: Int64, lease: Int64, limit: Int) async throws -> [StoredEvent] {
        try await database.transaction { connection in
            // Each key and rule's oldest pending event only; rows another gateway is claiming are skipped.
            let rows = try await connection.rows("""
                SELECT \(unescaped: Self.eventColumns) FROM events e
                WHERE state = 'pending' AND next_attempt_at <= \(now) AND (claimed_until IS NULL OR claimed_until <= \(now))
                  AND NOT EXISTS (SELECT 1 FROM events p WHERE p.state = 'pending' AND p.bucket = e.bucket
                                  AND p.key = e.key AND p.rule_id = e.rule_id AND p.seq < e.seq)
                ORDER BY seq LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED
                """, logger: self.database.logger)
            let due = try rows.map(Self.event(from:))
            if !due.isEmpty {
                let sequences = due.map { $0.sequence }
                try await connection.execute(
                    "UPDATE events SET claimed_until = \(now + lease) WHERE seq = ANY(\(sequences))",
                    logger: self.database.logger)
            }
            return due
        }
    }

    public func finishEvent(_ sequence: Int64, outcome: EventOutcome) async throws {
        try await database.transaction { connection in
            let logger = self.database.logger
            switch outcome {
            case .delivered:
                try await connection.execute("DELETE FROM events WHERE seq = \(sequence)", logger: logger)
            case .retry(let at, let attempts, let error):
                try await connection.execute("""
                    UPDATE events SET attempts = \(Int64(attempts)), next_attempt_at = \(at), claimed_until = NULL,
                        last_error = \(error) WHERE seq = \(sequence)
                    """, logger: logger)
            case .dead(let attempts, let error):
                try await connection.execute("""
                    UPDATE events SET state = 'dead', attempts = \(Int64(attempts)), claimed_until = NULL,
                        last_error = \(error) WHERE seq = \(sequence)
                    """, logger: logger)
            }
        }
    }

    public func events(state: StoredEvent.State, bucket: String?, limit: Int) async throws -> [StoredEvent] {
        try await database.query { connection in
            let query: PostgresQuery = bucket.map { bucket in
                "SELECT \(unescaped: Self.eventColumns) FROM events WHERE state = \(state.rawValue) AND bucket = \(bucket) ORDER BY seq LIMIT \(Int64(limit))"
            } ?? "SELECT \(unescaped: Self.eventColumns) FROM events WHERE state = \(state.rawValue) ORDER BY seq LIMIT \(Int64(limit))"
            return try await connection.rows(query, logger: self.database.logger).map(Self.event(from:))
        }
    }

    public func replayDeadEvents(bucket: String?, now: Int64) async throws -> Int {
        try await database.transaction { connection in
            let query: PostgresQuery = bucket.map { bucket in
                "UPDATE events SET state = 'pending', attempts = 0, next_attempt_at = \(now), claimed_until = NULL WHERE state = 'dead' AND bucket = \(bucket) RETURNING 1"
            } ?? "UPDATE events SET state = 'pending', attempts = 0, next_attempt_at = \(now), claimed_until = NULL WHERE state = 'dead' RETURNING 1"
            return try await connection.rows(query, logger: self.database.logger).count
        }
    }
}
