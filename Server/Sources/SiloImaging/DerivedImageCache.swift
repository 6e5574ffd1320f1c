import NIOConcurrencyHelpers
import Metrics
import NIOCore

/// Processed images in memory, bounded in bytes with LRU eviction. A key names the source version (its ETag)
/// and the canonical process string, so a changed source can never be answered from the cache; writes and
/// deletes also drop the object's entries at once, to free the memory. Concurrent misses for one key are
/// computed once: later callers wait for the first.
public final class DerivedImageCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var bucket: String
        public var object: String
        /// The source ETag, the canonical process string and whatever else the result depends on
        /// (watermark objects' ETags).
        public var variant: String

        public init(bucket: String, object: String, variant: String) {
            self.bucket = bucket
            self.object = object
            self.variant = variant
        }

        var source: ObjectName { ObjectName(bucket: bucket, key: object) }
        /// Dictionary and bookkeeping overhead charged to each entry, beyond its bytes.
        var overhead: Int { 128 + bucket.utf8.count + object.utf8.count + variant.utf8.count }
    }

    public struct Entry: Sendable {
        public var body: ByteBuffer
        public var contentType: String

        public init(body: ByteBuffer, contentType: String) {
            self.body = body
            self.contentType = contentType
        }
    }

    public enum Outcome: Sendable, Equatable {
        case hit, miss, joined
    }

    struct ObjectName: Hashable, Sendable {
        var bucket: String
        var key: String
    }

    private struct State: Sendable {
        var entries: LRUStore<Key, Entry>
        var keysByObject: [ObjectName: Set<Key>] = [:]
        var inflight: [Key: Task<Entry, any Error>] = [:]
        var hits = 0
        var misses = 0
    }

    public let capacityBytes: Int
    private let state: NIOLockedValueBox<State>

    /// `capacityBytes` 0 disables caching; concurrent identical requests are still computed once.
    public init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
        state = NIOLockedValueBox(State(entries: LRUStore(capacity: max(0, capacityBytes))))
    }

    /// The cached entry, or `compute`'s result (stored when it succeeds). Errors are not cached.
    public func entry(for key: Key, compute: @escaping @Sendable () async throws -> Entry) async throws -> (Entry, Outcome) {
        enum Step { case hit(Entry), join(Task<Entry, any Error>), lead(Task<Entry, any Error>) }
        let step = state.withLockedValue { state -> Step in
            if let entry = state.entries.value(for: key) {
                state.hits += 1
                return .hit(entry)
            }
            if let running = state.inflight[key] { return .join(running) }
            state.misses += 1
            // Unstructured: a leader whose client goes away must not cancel the work its followers wait for.
            let task = Task { try await compute() }
            state.inflight[key] = task
            return .lead(task)
        }
        Counter(label: "silo_image_cache_total", dimensions: [("result", {
            switch step {
            case .hit: return "hit"
            case .join: return "joined"
            case .lead: return "miss"
            }
        }())]).increment()
        switch step {
        case .hit(let entry): return (entry, .hit)
        case .join(let task): return (try await task.value, .joined)
        case .lead(let task):
            do {
                let entry = try await task.value
                state.withLockedValue { state in
                    state.inflight[key] = nil
                    Self.store(entry, for: key, in: &state)
                }
                return (entry, .miss)
            } catch {
                state.withLockedValue { $0.inflight[key] = nil }
                throw error
            }
        }
    }

    private static func store(_ entry: Entry, for key: Key, in state: inout State) {
        let cost = entry.body.readableBytes + key.overhead
        // One huge result must not flush everything else.
        guard cost <= state.entries.capacity / 4 else { return }
        let evicted = state.entries.insert(entry, for: key, cost: cost)
        for old in evicted { forget(old, in: &state) }
        if state.entries.value(for: key) != nil { state.keysByObject[key.source, default: []].insert(key) }
    }

    private static func forget(_ key: Key, in state: inout State) {
        guard var keys = state.keysByObject[key.source] else { return }
        keys.remove(key)
        state.keysByObject[key.source] = keys.isEmpty ? nil : keys
    }

    /// Drops every derived image of the object: call when it is overwritten or deleted.
    public func invalidate(bucket: String, key: String) {
        state.withLockedValue { state in
            guard let keys = state.keysByObject.removeValue(forKey: ObjectName(bucket: bucket, key: key)) else { return }
            for cached in keys { state.entries.remove(cached) }
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var entries: Int
        public var bytes: Int
        public var hits: Int
        public var misses: Int
    }

    public var statistics: Statistics {
        state.withLockedValue { Statistics(entries: $0.entries.count, bytes: $0.entries.totalCost, hits: $0.hits, misses: $0.misses) }
    }
}
