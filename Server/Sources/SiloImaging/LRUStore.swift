/// Least-recently-used entries under a total cost budget. O(1) lookup, insert and eviction: a dictionary
/// into slots that form a doubly linked list, most recent first.
struct LRUStore<Key: Hashable, Value> {
    fileprivate struct Slot {
        var key: Key
        var value: Value
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    let capacity: Int
    private(set) var totalCost = 0
    private var slots: [Slot?] = []
    private var freeSlots: [Int] = []
    private var index: [Key: Int] = [:]
    private var newest: Int?
    private var oldest: Int?

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { index.count }

    /// The value, now the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let position = index[key] else { return nil }
        unlink(position)
        linkNewest(position)
        return slots[position]!.value
    }

    /// Inserts or replaces; returns the keys evicted to stay within budget. An entry costlier than the whole
    /// budget is not stored.
    @discardableResult
    mutating func insert(_ value: Value, for key: Key, cost: Int) -> [Key] {
        remove(key)
        guard cost <= capacity else { return [] }
        var evicted: [Key] = []
        while totalCost + cost > capacity, let victim = oldest {
            let key = slots[victim]!.key
            remove(key)
            evicted.append(key)
        }
        let slot = Slot(key: key, value: value, cost: cost)
        let position: Int
        if let reused = freeSlots.popLast() {
            slots[reused] = slot
            position = reused
        } else {
            slots.append(slot)
            position = slots.count - 1
        }
        index[key] = position
        totalCost += cost
        linkNewest(position)
        return evicted
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let position = index.removeValue(forKey: key) else { return nil }
        unlink(position)
        let slot = slots[position]!
        totalCost -= slot.cost
        slots[position] = nil
        freeSlots.append(position)
        return slot.value
    }

    /// Keys from most to least recently used.
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var cursor = newest
        while let position = cursor {
            keys.append(slots[position]!.key)
            cursor = slots[position]!.older
        }
        return keys
    }

    private mutating func unlink(_ position: Int) {
        let slot = slots[position]!
        if let newer = slot.newer { slots[newer]!.older = slot.older } else { newest = slot.older }
        if let older = slot.older { slots[older]!.newer = slot.newer } else { oldest = slot.newer }
        slots[position]!.newer = nil
        slots[position]!.older = nil
    }

    private mutating func linkNewest(_ position: Int) {
        slots[position]!.older = newest
        slots[position]!.newer = nil
        if let newest { slots[newest]!.newer = position }
        newest = position
        if oldest == nil { oldest = position }
    }
}

extension LRUStore: Sendable where Key: Sendable, Value: Sendable {}
extension LRUStore.Slot: Sendable where Key: Sendable, Value: Sendable {}
