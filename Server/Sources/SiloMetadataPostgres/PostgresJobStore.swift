import Logging
import PostgresNIO
import SiloStorage

/// Jobs as one JSON document per row with the columns claims search by, as on SQLite; a change locks its row
/// (`FOR UPDATE`), and claims skip rows another gateway is claiming (`SKIP LOCKED`), so many gateways share the table.
extension PostgresMetadataStore: MediaJobStore {
    private func load(_ connection: PostgresConnection, id: String, lock: Bool) async throws -> MediaJob? {
        let query: PostgresQuery = lock
            ? "SELECT document FROM media_jobs WHERE id = \(id) FOR UPDATE"
            : "SELECT document FROM media_jobs WHERE id = \(id)"
        for try await document in try await connection.query(query, logger: database.logger).decode(String.self) {
            return try MediaJob.decode(MediaJob.self, document)
        }
        return nil
    }

    private func save(_ connection: PostgresConnection, _ job: MediaJob) async throws {
        try await connection.execute("""
            UPDATE media_jobs SET state = \(job.stateColumn), not_before = \(job.notBefore), lease_until = \(job.leaseUntil),
                notify_due = \(job.notifyDueColumn), document = \(try MediaJob.encode(job)) WHERE id = \(job.id)
            """, logger: database.logger)
    }

    public func insertJob(_ job: MediaJob) async throws {
        try await database.transaction { connection in
            try await connection.execute("""
                INSERT INTO media_jobs (id, bucket, state, not_before, lease_until, notify_due, created_at, document)
                VALUES (\(job.id), \(job.bucket), \(job.stateColumn), \(job.notBefore), \(job.leaseUntil),
                        \(job.notifyDueColumn), \(job.createdAt), \(try MediaJob.encode(job)))
                """, logger: self.database.logger)
        }
    }

    public func claimJob(now: Int64, lease: Int64, holder: String) async throws -> MediaJob? {
        try await database.transaction { connection in
            let rows = try await connection.rows("""
                SELECT document FROM media_jobs
                WHERE (state = 'queued' AND not_before <= \(now)) OR (state = 'running' AND lease_until <= \(now))
                ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                """, logger: self.database.logger)
            guard let row = rows.first else { return nil }
            var job = try MediaJob.decode(MediaJob.self, try row.decode(String.self))
            job.claim(holder: holder, now: now, lease: lease)
            try await self.save(connection, job)
            return job
        }
    }

    public func renewJob(id: String, holder: String, now: Int64, lease: Int64, progress: Int) async throws -> Bool {
        try await database.transaction { connection in
            guard var job = try await self.load(connection, id: id, lock: true), job.isHeld(by: holder) else { return false }
            job.leaseUntil = now + lease
            job.progress = max(job.progress, min(progress, 99))
            job.updatedAt = now
            try await self.save(connection, job)
            return true
        }
    }

    public func finishJob(id: String, holder: String, now: Int64, outcome: MediaJobOutcome) async throws -> Bool {
        try await database.transaction { connection in
            guard var job = try await self.load(connection, id: id, lock: true), job.isHeld(by: holder) else { return false }
            job.apply(outcome, now: now)
            try await self.save(connection, job)
            return true
        }
    }

    public func job(id: String) async throws -> MediaJob? {
        try await database.query { connection in try await self.load(connection, id: id, lock: false) }
    }

    public func jobs(bucket: String?, state: MediaJob.State?, limit: Int) async throws -> [MediaJob] {
        try await database.query { connection in
            let query: PostgresQuery = switch (bucket, state) {
            case (let bucket?, let state?):
                "SELECT document FROM media_jobs WHERE bucket = \(bucket) AND state = \(state.rawValue) ORDER BY created_at DESC, id DESC LIMIT \(Int64(limit))"
            case (let bucket?, nil):
                "SELECT document FROM media_jobs WHERE bucket = \(bucket) ORDER BY created_at DESC, id DESC LIMIT \(Int64(limit))"
            case (nil, let state?):
                "SELECT document FROM media_jobs WHERE state = \(state.rawValue) ORDER BY created_at DESC, id DESC LIMIT \(Int64(limit))"
            case (nil, nil):
                "SELECT document FROM media_jobs ORDER BY created_at DESC, id DESC LIMIT \(Int64(limit))"
            }
            var jobs: [MediaJob] = []
            for try await document in try await connection.query(query, logger: self.database.logger).decode(String.self) {
                jobs.append(try MediaJob.decode(MediaJob.self, document))
            }
            return jobs
        }
    }

    public func cancelJob(id: String, now: Int64) async throws -> MediaJob? {
        try await database.transaction { connection in
            guard var job = try await self.load(connection, id: id, lock: true) else { return nil }
            guard !job.state.isFinal else { return job }
            job.state = .cancelled
            job.leaseHolder = nil
            job.leaseUntil = nil
            job.updatedAt = now
            try await self.save(connection, job)
            return job
        }
    }

    public func claimNotification(now: Int64, lease: Int64) async throws -> MediaJob? {
        try await database.transaction { connection in
            let rows = try await connection.rows("""
                SELECT document FROM media_jobs WHERE notify_due IS NOT NULL AND notify_due <= \(now)
                ORDER BY notify_due, id LIMIT 1 FOR UPDATE SKIP LOCKED
                """, logger: self.database.logger)
            guard let row = rows.first else { return nil }
            var job = try MediaJob.decode(MediaJob.self, try row.decode(String.self))
            job.notifyDue = now + lease
            try await self.save(connection, job)
            return job
        }
    }

    public func finishNotification(id: String, now: Int64, outcome: MediaJobNotifyOutcome) async throws {
        try await database.transaction { connection in
            guard var job = try await self.load(connection, id: id, lock: true) else { return }
            job.apply(outcome, now: now)
            try await self.save(connection, job)
        }
    }
}
