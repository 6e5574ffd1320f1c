import GRDB
import SiloStorage

/// Jobs as one JSON document per row, with the columns claims search by beside it; every change is a read, the
/// shared `MediaJob` transition, and a write back, inside one write transaction (SQLite has one writer).
extension SQLiteMetadataStore: MediaJobStore {
    private static func load(_ db: Database, id: String) throws -> MediaJob? {
        try String.fetchOne(db, sql: "SELECT document FROM media_jobs WHERE id = ?", arguments: [id])
            .map { try MediaJob.decode(MediaJob.self, $0) }
    }

    private static func save(_ db: Database, _ job: MediaJob) throws {
        try db.execute(sql: """
            UPDATE media_jobs SET state = ?, not_before = ?, lease_until = ?, notify_due = ?, document = ? WHERE id = ?
            """, arguments: [job.stateColumn, job.notBefore, job.leaseUntil, job.notifyDueColumn, try MediaJob.encode(job), job.id])
    }

    public func insertJob(_ job: MediaJob) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO media_jobs (id, bucket, state, not_before, lease_until, notify_due, created_at, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.bucket, job.stateColumn, job.notBefore, job.leaseUntil, job.notifyDueColumn,
                                 job.createdAt, try MediaJob.encode(job)])
        }
    }

    public func claimJob(now: Int64, lease: Int64, holder: String) async throws -> MediaJob? {
        try await pool.write { db in
            guard let id = try String.fetchOne(db, sql: """
                SELECT id FROM media_jobs
                WHERE (state = 'queued' AND not_before <= ?) OR (state = 'running' AND lease_until <= ?)
                ORDER BY created_at, id LIMIT 1
                """, arguments: [now, now]), var job = try Self.load(db, id: id)
            else { return nil }
            job.claim(holder: holder, now: now, lease: lease)
            try Self.save(db, job)
            return job
        }
    }

    public func renewJob(id: String, holder: String, now: Int64, lease: Int64, progress: Int) async throws -> Bool {
        try await pool.write { db in
            guard var job = try Self.load(db, id: id), job.isHeld(by: holder) else { return false }
            job.leaseUntil = now + lease
            job.progress = max(job.progress, min(progress, 99))
            job.updatedAt = now
            try Self.save(db, job)
            return true
        }
    }

    public func finishJob(id: String, holder: String, now: Int64, outcome: MediaJobOutcome) async throws -> Bool {
        try await pool.write { db in
            guard var job = try Self.load(db, id: id), job.isHeld(by: holder) else { return false }
            job.apply(outcome, now: now)
            try Self.save(db, job)
            return true
        }
    }

    public func job(id: String) async throws -> MediaJob? {
        try await pool.read { db in try Self.load(db, id: id) }
    }

    public func jobs(bucket: String?, state: MediaJob.State?, limit: Int) async throws -> [MediaJob] {
        try await pool.read { db in
            var sql = "SELECT document FROM media_jobs WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let bucket {
                sql += " AND bucket = ?"
                arguments += [bucket]
            }
            if let state {
                sql += " AND state = ?"
                arguments += [state.rawValue]
            }
            sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
            arguments += [limit]
            return try String.fetchAll(db, sql: sql, arguments: arguments).map { try MediaJob.decode(MediaJob.self, $0) }
        }
    }

    public func cancelJob(id: String, now: Int64) async throws -> MediaJob? {
        try await pool.write { db in
            guard var job = try Self.load(db, id: id) else { return nil }
            guard !job.state.isFinal else { return job }
            job.state = .cancelled
            job.leaseHolder = nil
            job.leaseUntil = nil
            job.updatedAt = now
            try Self.save(db, job)
            return job
        }
    }

    public func claimNotification(now: Int64, lease: Int64) async throws -> MediaJob? {
        try await pool.write { db in
            guard let id = try String.fetchOne(db, sql: """
                SELECT id FROM media_jobs WHERE notify_due IS NOT NULL AND notify_due <= ? ORDER BY notify_due, id LIMIT 1
                """, arguments: [now]), var job = try Self.load(db, id: id)
            else { return nil }
            // Held for the lease: a gateway that dies mid-delivery leaves it due again afterwards.
            job.notifyDue = now + lease
            try Self.save(db, job)
            return job
        }
    }

    public func finishNotification(id: String, now: Int64, outcome: MediaJobNotifyOutcome) async throws {
        try await pool.write { db in
            guard var job = try Self.load(db, id: id) else { return }
            job.apply(outcome, now: now)
            try Self.save(db, job)
        }
    }
}
