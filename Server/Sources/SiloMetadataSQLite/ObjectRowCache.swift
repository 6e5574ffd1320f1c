import GRDB
import NIOConcurrencyHelpers
import SiloStorage

/// The current objects' rows, kept in memory for reads, and exact: a row read before a write transaction
/// commits is never answered after it.
///
/// Every GET and HEAD reads its object's row; from SQLite that is a read transaction (two `fcntl` locks on the
/// WAL index), GRDB's reader pool and the row's decoding, about a tenth of a small GET's CPU. The embedded
/// store is one process's own (`Backends.shared` is false for SQLite; gateways sharing metadata use
/// PostgreSQL), so every write goes through this process's one writer connection, where this cache watches the
/// commits.
///
/// Coherence does not depend on which tables a write touched (the update hook SQLite offers does not report
/// `WITHOUT ROWID` tables, which `objects` is): every commit of the writer moves the generation on, and with it
/// every entry out of date. Between a commit's start (`databaseWillCommit`, before readers can see it) and its end
/// the cache neither answers nor takes entries, so reads go to SQLite, which answers the committed state. A read
/// notes the generation before it reads and stores its row only if no commit began or ended since, so a row
/// read before a commit cannot be stored after it. A write-heavy load therefore mostly misses, which costs one
/// dictionary lookup and one insertion over the SQLite read it does anyway.
final class ObjectRowCache: TransactionObserver, Sendable {
    private struct Key: Hashable {
        let bucket: String
        let key: String
    }

    private struct Entry {
        let record: ObjectRecord
        let generation: UInt64
    }

    private struct State {
        var generation: UInt64 = 0
        /// A commit has started and not ended: its rows may already be visible to readers.
        var committing = false
        var entries: ByteBudgetedTable<Key, Entry>
    }

    /// What a lookup found: the row, or the generation a read from SQLite may store its row under (nil while a
    /// commit is under way).
    enum Lookup {
        case hit(ObjectRecord)
        case miss(ticket: UInt64?)
    }

    /// What the cache may hold, estimated from the rows' strings; past it the cache starts again empty
    /// (`ByteBudgetedTable`).
    let byteBudget: Int
    /// A row larger than this (long user metadata, many extents) is read from SQLite each time.
    let largestRow: Int
    private let state: NIOLockedValueBox<State>

    init(byteBudget: Int = 8 << 20, largestRow: Int = 16 << 10) {
        self.byteBudget = byteBudget
        self.largestRow = largestRow
        self.state = NIOLockedValueBox(State(entries: ByteBudgetedTable(byteBudget: byteBudget)))
    }

    /// The row of `bucket`/`key` if it is cached and current, else the ticket for storing it once read: one
    /// lock for either.
    func lookup(bucket: String, key: String) -> Lookup {
        state.withLockedValue { state in
            if state.committing { return .miss(ticket: nil) }
            if let entry = state.entries[Key(bucket: bucket, key: key)], entry.generation == state.generation {
                return .hit(entry.record)
            }
            return .miss(ticket: state.generation)
        }
    }

    /// Keeps `record`, read from SQLite after `lookup` answered `ticket`, unless a commit began since.
    func store(_ record: ObjectRecord, ticket: UInt64) {
        let bytes = Self.estimatedBytes(record)
        guard bytes <= largestRow else { return }
        state.withLockedValue { state in
            guard !state.committing, state.generation == ticket else { return }
            state.entries.insert(Entry(record: record, generation: ticket), bytes: bytes,
                                 at: Key(bucket: record.bucket, key: record.key))
        }
    }

    var count: Int { state.withLockedValue { $0.entries.count } }

    /// A row's size in memory, roughly: its strings and extents, and a fixed overhead for the record itself.
    static func estimatedBytes(_ record: ObjectRecord) -> Int {
        var bytes = 256 + record.bucket.utf8.count * 2 + record.key.utf8.count * 2 + record.etag.utf8.count
            + record.contentType.utf8.count + (record.contentMD5?.utf8.count ?? 0) + (record.symlinkTarget?.utf8.count ?? 0)
            + (record.versionId?.utf8.count ?? 0) + record.extents.count * 96
        for entry in record.userMetadata { bytes += entry.name.utf8.count + entry.value.utf8.count + 32 }
        for tag in record.tags.tags { bytes += tag.key.utf8.count + tag.value.utf8.count + 32 }
        let headers = record.headers
        for value in [headers.cacheControl, headers.contentDisposition, headers.contentEncoding, headers.contentLanguage,
                      headers.expires, headers.serverSideEncryption] {
            bytes += value?.utf8.count ?? 0
        }
        return bytes
    }

    // MARK: TransactionObserver, called on the writer connection

    /// No per-row events: the commit alone says everything may have changed.
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }

    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseWillCommit() throws { commitBegins() }

    func databaseDidCommit(_ db: Database) { commitEnds() }

    func databaseDidRollback(_ db: Database) { commitEnds() }

    func commitBegins() {
        state.withLockedValue { state in
            state.committing = true
            state.generation &+= 1
        }
    }

    /// After a commit or a rollback.
    func commitEnds() {
        state.withLockedValue { state in
            // Entries of older generations are left to be replaced or dropped with the budget: emptying the
            // table here would cost the writer time proportional to the table at every commit.
            state.committing = false
            state.generation &+= 1
        }
    }
}
