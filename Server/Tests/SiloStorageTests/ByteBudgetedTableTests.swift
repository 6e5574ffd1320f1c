import SiloStorage
import Testing

/// The read caches' table: its size estimate follows replacements and removals, and an insertion that would cross
/// the budget starts it again empty.
@Suite struct ByteBudgetedTableTests {
    @Test func replacementsAndRemovalsKeepTheCount() {
        var table = ByteBudgetedTable<String, Int>(byteBudget: 100)
        table.insert(1, bytes: 30, at: "a")
        table.insert(2, bytes: 20, at: "b")
        table.insert(3, bytes: 10, at: "a")
        #expect(table.bytes == 30)
        #expect(table["a"] == 3)
        table.remove("b")
        table.remove("missing")
        #expect(table.bytes == 10)
        #expect(table.count == 1)
        #expect(table["b"] == nil)
    }

    @Test func crossingTheBudgetStartsAgainEmpty() {
        var table = ByteBudgetedTable<String, Int>(byteBudget: 100)
        table.insert(1, bytes: 60, at: "a")
        table.insert(2, bytes: 40, at: "b")
        #expect(table.count == 2 && table.bytes == 100)
        table.insert(3, bytes: 1, at: "c")
        #expect(table.count == 1 && table.bytes == 1)
        #expect(table["a"] == nil && table["c"] == 3)
    }
}
