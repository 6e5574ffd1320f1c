import Foundation
import SiloMetadataPostgres
import SiloMetadataSQLite
import SiloStorage
import SiloStorageConformance
import Testing

/// The skip-scan listing on PostgreSQL against the SQLite lister on the same keys: random prefixes, delimiters
/// and markers over keys with multi-byte characters, paged to the end. Any difference is a bug in one of them.
@Suite struct ListingDifferentialTests {
    // "\u{1}" makes keys that follow another key immediately in "C" order (k, k + U+0001), which the skip-scan
    // reaches through `key || chr(1)`.
    static let pieces = ["a", "b", "/", "-", "é", "中", "😀", "a/", "b/", "//", "x", "\u{10FFFF}", "ab", "~", "0", "\u{1}"]

    static func randomKey(_ generator: inout some RandomNumberGenerator) -> String {
        (0..<Int.random(in: 1...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    @Test func pagesMatchTheSQLiteListerForRandomQueries() async throws {
        var generator = SeededGenerator(seed: 20261203)
        let keys = Set((0..<600).map { _ in Self.randomKey(&generator) })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silo-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try SQLiteMetadataStore(path: directory.appendingPathComponent("m.sqlite").path)
        try await TestDatabase.withStore { postgres in
            for store in [sqlite, postgres] as [any ObjectStore] {
                _ = try await store.createBucket(BucketRecord(name: "b", owner: "1", createdAt: 1, acl: .private,
                                                              storageClass: .standard))
                for key in keys {
                    let blob = BlobID.random()
                    _ = try await store.commitObject(ObjectStoreConformance.object(key, blobs: [blob]), newBlobs: [blob],
                                                     condition: .none)
                }
            }
            let delimiters: [String?] = [nil, "/", "a", "é", "//", "\u{10FFFF}", "😀"]
            let prefixes = ["", "a", "a/", "b", "é", "中", "\u{10FFFF}", "zz", "/"]
            for _ in 0..<60 {
                var query = ListQuery(bucket: "b", prefix: prefixes.randomElement(using: &generator)!,
                                      delimiter: delimiters.randomElement(using: &generator)!,
                                      after: Bool.random(using: &generator) ? Self.randomKey(&generator) : nil,
                                      limit: [0, 1, 3, 7, 50, 1000].randomElement(using: &generator)!)
                for _ in 0..<40 {
                    let expected = try await sqlite.listObjects(query)
                    let actual = try await postgres.listObjects(query)
                    #expect(Self.describe(actual) == Self.describe(expected), "\(query)")
                    guard expected.isTruncated, query.limit > 0, let last = expected.entries.last else { break }
                    query.after = last.sortKey
                }
            }
        }
    }

    static func describe(_ listing: ObjectListing) -> [String] {
        listing.entries.map { entry in
            switch entry {
            case .object(let summary): return "object \(summary.key) \(summary.size) \(summary.etag)"
            case .commonPrefix(let prefix): return "prefix \(prefix)"
            }
        } + ["truncated \(listing.isTruncated)"]
    }
}

/// Reproducible randomness: the same keys and queries every run (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
