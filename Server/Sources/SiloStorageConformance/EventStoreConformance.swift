import SiloCore
import SiloStorage

/// The outbox every backend must keep: events written with the change they announce (and only then), claimed
/// oldest first per key and rule, and settled by delivery, retry or giving up.
public enum EventStoreConformance {
    public typealias Store = any StorageMetadata & EventStore
    public typealias Check = @Sendable (Store) async throws -> Void

    public static let checks: [(name: String, run: Check)] = [
        ("changesAndOnlyChangesAreAnnounced", changesAndOnlyChangesAreAnnounced),
        ("eachKeyIsDeliveredInCommitOrder", eachKeyIsDeliveredInCommitOrder),
        ("retriesDeadLettersAndReplay", retriesDeadLettersAndReplay),
    ]

    static let rules = NotificationConfiguration(rules: [
        NotificationRule(id: "created", events: ["ObjectCreated:*"], prefix: "photos/", endpoint: "http://hook.example/a"),
        NotificationRule(id: "removed", events: ["ObjectRemoved:*"], suffix: ".jpg", endpoint: "http://hook.example/b"),
    ])

    static func prepare(_ store: Store) async throws {
        _ = try await store.createBucket(ObjectStoreConformance.bucket("b"))
        _ = try await store.updateBucket("b", .notifications(rules))
    }

    static func pending(_ store: Store, now: Int64 = Int64.max / 4) async throws -> [StoredEvent] {
        try await store.claimDueEvents(now: now, lease: 0, limit: 1000)
    }

    public static func changesAndOnlyChangesAreAnnounced(_ store: Store) async throws {
        try await prepare(store)
        try expect(try await store.bucket("b")?.notifications == rules, "the configuration is stored")
        let photo = ObjectStoreConformance.object("photos/a.jpg", blobs: [BlobID.random()], etag: "E1")
        _ = try await store.commitObject(photo, newBlobs: Set(photo.extents.map(\.blob)), condition: .none)
        let other = ObjectStoreConformance.object("docs/readme.txt", blobs: [BlobID.random()])
        _ = try await store.commitObject(other, newBlobs: Set(other.extents.map(\.blob)), condition: .none)
        // An ACL or tag change is not new content; a refused conditional write announces nothing either.
        var retagged = photo
        retagged.tags = ObjectTagSet([ResourceTag("a", "b")])
        _ = try await store.commitObject(retagged, newBlobs: [], condition: .currentVersion(ObjectVersion(photo)))
        let refused = ObjectStoreConformance.object("photos/a.jpg", blobs: [BlobID.random()], etag: "E9")
        _ = try await store.commitObject(refused, newBlobs: Set(refused.extents.map(\.blob)), condition: .mustNotExist)
        var events = try await pending(store)
        try expect(events.map(\.event.name) == ["ObjectCreated:Put"] && events.first?.event.key == "photos/a.jpg"
                   && events.first?.event.etag == "E1" && events.first?.event.ruleId == "created",
                   "one event for the new photo, got \(events.map(\.event))")
        for event in events { try await store.finishEvent(event.sequence, outcome: .delivered) }
        _ = try await store.deleteObjects(bucket: "b", keys: ["photos/a.jpg", "docs/readme.txt", "absent.jpg"])
        events = try await pending(store)
        try expect(events.map(\.event.name) == ["ObjectRemoved:Delete"] && events.first?.event.ruleId == "removed",
                   "one event for the removed .jpg, got \(events.map(\.event))")
        for event in events { try await store.finishEvent(event.sequence, outcome: .delivered) }
        try expect(try await pending(store).isEmpty, "delivered events leave the outbox")
        _ = try await store.updateBucket("b", .notifications(nil))
        let quiet = ObjectStoreConformance.object("photos/b.jpg", blobs: [BlobID.random()])
        _ = try await store.commitObject(quiet, newBlobs: Set(quiet.extents.map(\.blob)), condition: .none)
        try expect(try await pending(store).isEmpty, "no rules, no events")
    }

    public static func eachKeyIsDeliveredInCommitOrder(_ store: Store) async throws {
        try await prepare(store)
        for (index, key) in ["photos/x", "photos/y", "photos/x"].enumerated() {
            let record = ObjectStoreConformance.object(key, blobs: [BlobID.random()], etag: "E\(index)")
            _ = try await store.commitObject(record, newBlobs: Set(record.extents.map(\.blob)), condition: .none)
        }
        let now: Int64 = 4_000_000_000  // past the commit times the stores stamped with their own clocks
        let first = try await store.claimDueEvents(now: now, lease: 60, limit: 10)
        try expect(first.map(\.event.etag) == ["E0", "E1"], "the second write of x waits for the first, got \(first.map(\.event.etag))")
        try expect(try await store.claimDueEvents(now: now, lease: 60, limit: 10).isEmpty, "claimed events are not claimed twice")
        try await store.finishEvent(first[0].sequence, outcome: .delivered)
        let next = try await store.claimDueEvents(now: now, lease: 60, limit: 10)
        try expect(next.map(\.event.etag) == ["E2"], "then x's second write, got \(next.map(\.event.etag))")
        try await store.finishEvent(first[1].sequence, outcome: .delivered)
        // A lapsed claim (a deliverer that died) is taken again.
        let again = try await store.claimDueEvents(now: now + 61, lease: 60, limit: 10)
        try expect(again.map(\.sequence) == next.map(\.sequence), "a lapsed claim is claimed again")
    }

    public static func retriesDeadLettersAndReplay(_ store: Store) async throws {
        try await prepare(store)
        let record = ObjectStoreConformance.object("photos/r", blobs: [BlobID.random()])
        _ = try await store.commitObject(record, newBlobs: Set(record.extents.map(\.blob)), condition: .none)
        let later = ObjectStoreConformance.object("photos/r", blobs: [BlobID.random()], etag: "E2")
        _ = try await store.commitObject(later, newBlobs: Set(later.extents.map(\.blob)), condition: .none)
        let now: Int64 = 4_000_000_000  // past the commit times the stores stamped with their own clocks
        let claimed = try await store.claimDueEvents(now: now, lease: 60, limit: 10)
        try expect(claimed.count == 1, "only the key's first event")
        try await store.finishEvent(claimed[0].sequence, outcome: .retry(at: now + 8, attempts: 1, error: "HTTP 503"))
        try expect(try await store.claimDueEvents(now: now + 7, lease: 60, limit: 10).isEmpty,
                   "a retry waits for its time, and its key's later events wait behind it")
        let retried = try await store.claimDueEvents(now: now + 8, lease: 60, limit: 10)
        try expect(retried.map(\.sequence) == claimed.map(\.sequence) && retried.first?.attempts == 1, "retried in time")
        try await store.finishEvent(retried[0].sequence, outcome: .dead(attempts: 10, error: "HTTP 503"))
        let dead = try await store.events(state: .dead, bucket: "b", limit: 10)
        try expect(dead.map(\.sequence) == claimed.map(\.sequence) && dead.first?.lastError == "HTTP 503", "a dead letter")
        let unblocked = try await store.claimDueEvents(now: now + 9, lease: 60, limit: 10)
        try expect(unblocked.first?.event.etag == "E2", "a dead event no longer holds its key back")
        try await store.finishEvent(unblocked[0].sequence, outcome: .delivered)
        try expect(try await store.replayDeadEvents(bucket: "b", now: now + 10) == 1, "replayed")
        let replayed = try await store.claimDueEvents(now: now + 10, lease: 60, limit: 10)
        try expect(replayed.map(\.sequence) == claimed.map(\.sequence) && replayed.first?.attempts == 0, "from the first attempt")
        try expect(try await store.events(state: .dead, bucket: "b", limit: 10).isEmpty, "no dead letters left")
    }
}
