import Foundation
import NIOConcurrencyHelpers
import NIOFoundationCompat
import SiloCore
import NIOCore
import Testing

@testable import SiloImaging

@Suite struct LRUStoreTests {
    @Test func evictsTheLeastRecentlyUsedWithinTheBudget() {
        var store = LRUStore<String, Int>(capacity: 10)
        store.insert(1, for: "a", cost: 4)
        store.insert(2, for: "b", cost: 4)
        #expect(store.value(for: "a") == 1, "a is now the most recent")
        #expect(store.insert(3, for: "c", cost: 4) == ["b"])
        #expect(store.keysByRecency == ["c", "a"])
        #expect(store.totalCost == 8)
        #expect(store.insert(9, for: "huge", cost: 11).isEmpty && store.value(for: "huge") == nil, "costlier than the budget")
        store.insert(4, for: "a", cost: 2)
        #expect(store.totalCost == 6 && store.value(for: "a") == 4, "replacing re-costs")
        #expect(store.remove("c") == 3 && store.count == 1 && store.totalCost == 2)
        // Slots are reused after removal.
        for index in 0..<100 { store.insert(index, for: "k\(index)", cost: 1) }
        #expect(store.count == 10 && store.totalCost == 10)
        #expect(store.keysByRecency.first == "k99" && store.keysByRecency.last == "k90")
    }
}

@Suite struct DerivedImageCacheTests {
    static func entry(_ text: String) -> DerivedImageCache.Entry {
        DerivedImageCache.Entry(body: ByteBuffer(string: text), contentType: "image/jpeg")
    }

    static let key = DerivedImageCache.Key(bucket: "b", object: "photo.jpg", variant: "ETAG\nimage/resize,m_lfit,w_200,limit_1")

    @Test func aHitAfterAMissAndInvalidationOnChange() async throws {
        let cache = DerivedImageCache(capacityBytes: 1 << 20)
        let computed = NIOLockedValueBox(0)
        let compute: @Sendable () async throws -> DerivedImageCache.Entry = {
            computed.withLockedValue { $0 += 1 }
            return Self.entry("thumbnail")
        }
        #expect(try await cache.entry(for: Self.key, compute: compute).1 == .miss)
        let (entry, outcome) = try await cache.entry(for: Self.key, compute: compute)
        #expect(outcome == .hit && entry.body == ByteBuffer(string: "thumbnail"))
        cache.invalidate(bucket: "b", key: "other.jpg")
        #expect(try await cache.entry(for: Self.key, compute: compute).1 == .hit)
        cache.invalidate(bucket: "b", key: "photo.jpg")
        #expect(cache.statistics.entries == 0)
        #expect(try await cache.entry(for: Self.key, compute: compute).1 == .miss)
        #expect(computed.withLockedValue { $0 } == 2)
    }

    @Test func concurrentMissesAreComputedOnce() async throws {
        let cache = DerivedImageCache(capacityBytes: 1 << 20)
        let computed = NIOLockedValueBox(0)
        let outcomes = try await withThrowingTaskGroup(of: DerivedImageCache.Outcome.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await cache.entry(for: Self.key) {
                        computed.withLockedValue { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(200))
                        return Self.entry("slow")
                    }.1
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(computed.withLockedValue { $0 } == 1)
        #expect(outcomes.filter { $0 == .miss }.count == 1)
        #expect(outcomes.allSatisfy { $0 == .miss || $0 == .joined || $0 == .hit })
    }

    struct Failure: Error {}

    @Test func failuresAreNotCachedAndBigEntriesAreNotKept() async throws {
        let cache = DerivedImageCache(capacityBytes: 4096)
        await #expect(throws: Failure.self) { _ = try await cache.entry(for: Self.key) { throw Failure() } }
        #expect(try await cache.entry(for: Self.key) { Self.entry("ok") }.1 == .miss, "the failure left nothing behind")
        let big = DerivedImageCache.Key(bucket: "b", object: "big.jpg", variant: "x")
        _ = try await cache.entry(for: big) { Self.entry(String(repeating: "x", count: 2000)) }
        #expect(cache.statistics.entries == 1, "over a quarter of the budget: not kept")
        #expect(try await cache.entry(for: big) { Self.entry("again") }.1 == .miss)
    }

    @Test func theBudgetEvictsOldEntries() async throws {
        let cache = DerivedImageCache(capacityBytes: 8192)
        for index in 0..<40 {
            let key = DerivedImageCache.Key(bucket: "b", object: "k\(index)", variant: "v")
            _ = try await cache.entry(for: key) { Self.entry(String(repeating: "x", count: 1000)) }
        }
        let stats = cache.statistics
        #expect(stats.bytes <= 8192 && stats.entries < 40 && stats.entries >= 6)
        let newest = DerivedImageCache.Key(bucket: "b", object: "k39", variant: "v")
        #expect(try await cache.entry(for: newest) { Self.entry("recomputed") }.1 == .hit)
        let oldest = DerivedImageCache.Key(bucket: "b", object: "k0", variant: "v")
        #expect(try await cache.entry(for: oldest) { Self.entry("recomputed") }.1 == .miss)
    }
}

@Suite struct ImageWorkersTests {
    /// Beyond the queue limit a transform is refused at once (busy: 503 on the wire), never queued without bound.
    @Test func aFullQueueAnswers503() async throws {
        let workers = ImageWorkers(processor: try ImageProcessor(), threads: 1, maxQueued: 2)
        let source = ImageSource(ByteBuffer(data: try ImageProcessorTests.image(1500, 1500, suffix: ".png")))
        guard case .image(let slow) = try ProcessRequest.parse("image/blur,r_50,s_50/format,png") else { return }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await workers.process(source, pipeline: slow)
                        return "ok"
                    } catch ImagingError.busy {
                        return "busy"
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try await workers.shutdown()
        #expect(outcomes.filter { $0 == "ok" }.count >= 2, "\(outcomes)")
        #expect(outcomes.filter { $0 == "busy" }.count >= 1, "\(outcomes)")
        #expect(outcomes.allSatisfy { $0 == "ok" || $0 == "busy" }, "\(outcomes)")
    }
}
