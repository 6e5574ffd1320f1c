/// A table whose entries' estimated sizes stay under a byte budget: an insertion that would cross it empties the
/// table first.
///
/// For the read caches (object rows, small blobs), whose hot sets fit their budgets: starting again empty costs a
/// hot set one miss each when the budget is crossed, and a hit keeps no bookkeeping (no recency list to update
/// under the lock). It is a plain value; each cache keeps it under its own lock, beside whatever its rules add.
public struct ByteBudgetedTable<Key: Hashable, Value> {
    public let byteBudget: Int
    private var entries: [Key: (value: Value, bytes: Int)] = [:]
    /// The estimated size of what the table holds.
    public private(set) var bytes = 0

    public init(byteBudget: Int) {
        self.byteBudget = byteBudget
    }

    public subscript(key: Key) -> Value? { entries[key]?.value }

    public var count: Int { entries.count }

    /// Keeps `value` at `key` (replacing what was there), having emptied the table if it would cross the budget.
    public mutating func insert(_ value: Value, bytes: Int, at key: Key) {
        if self.bytes + bytes > byteBudget {
            entries.removeAll(keepingCapacity: true)
            self.bytes = 0
        }
        if let replaced = entries.updateValue((value, bytes), forKey: key) {
            self.bytes -= replaced.bytes
        }
        self.bytes += bytes
    }

    public mutating func remove(_ key: Key) {
        if let removed = entries.removeValue(forKey: key) { bytes -= removed.bytes }
    }
}

extension ByteBudgetedTable: Sendable where Key: Sendable, Value: Sendable {}
