import SiloStorage

/// A bucket's event notifications and its outbox, for the admin API and `silo events`.
public struct EventService: Sendable {
    let buckets: any ObjectStore
    let events: any EventStore
    let clock: @Sendable () -> Int64

    public init(buckets: any ObjectStore, events: any EventStore, clock: @escaping @Sendable () -> Int64) {
        self.buckets = buckets
        self.events = events
        self.clock = clock
    }

    public func configuration(bucket: String) async throws -> NotificationConfiguration {
        guard let record = try await buckets.bucket(bucket) else { throw StorageError.noSuchBucket(bucket) }
        return record.notifications ?? NotificationConfiguration(rules: [])
    }

    /// Replaces the bucket's rules; an empty list turns notifications off. Events already written stay queued, and
    /// the media job settings (`MediaNotificationService`) stay as they are.
    public func setConfiguration(_ configuration: NotificationConfiguration, bucket: String) async throws {
        var checked = try configuration.validated()
        checked.media = try await self.configuration(bucket: bucket).media
        guard try await buckets.updateBucket(bucket, .notifications(checked.isEmpty ? nil : checked)) else {
            throw StorageError.noSuchBucket(bucket)
        }
    }

    public func deadEvents(bucket: String, limit: Int) async throws -> [StoredEvent] {
        guard try await buckets.bucket(bucket) != nil else { throw StorageError.noSuchBucket(bucket) }
        return try await events.events(state: .dead, bucket: bucket, limit: limit)
    }

    /// Puts the bucket's dead events back in line, due now; answers how many.
    public func replayDeadEvents(bucket: String) async throws -> Int {
        guard try await buckets.bucket(bucket) != nil else { throw StorageError.noSuchBucket(bucket) }
        return try await events.replayDeadEvents(bucket: bucket, now: clock())
    }
}
