import SiloCore

/// A bucket's versioning state. A bucket that never had versioning has none (`nil`); once enabled it can be
/// suspended but never returns to unversioned, as on OSS.
public enum VersioningStatus: String, Sendable, Hashable, CaseIterable {
    case enabled = "Enabled"
    case suspended = "Suspended"
}

/// Version ids: 32 lower-case hex characters, the first 16 the write time in microseconds so ids of one key sort
/// by age, the rest random. `null` names the version written while versioning was off or suspended (and an
/// object of an unversioned bucket). Anything else is not a version id and is refused with InvalidArgument before
/// any lookup, as OSS does.
public enum VersionID {
    public static let null = "null"

    public static func generate(microseconds: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        return hex16(microseconds) + hex16(generator.next())
    }

    public static func isWellFormed(_ id: String) -> Bool {
        id == null || (id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
    }

    static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// What the version id a write stores depends on: the bucket's state, read in the writing transaction.
extension VersioningStatus? {
    /// The id a new version gets: nil in an unversioned bucket, `null` when suspended, `fresh` when enabled.
    public func versionId(fresh: @autoclosure () -> String) -> String? {
        switch self {
        case .none: return nil
        case .suspended?: return VersionID.null
        case .enabled?: return fresh()
        }
    }
}

/// A delete marker: the newest entry of a key that was deleted in a versioned bucket.
public struct DeleteMarker: Sendable, Hashable {
    public var key: String
    public var versionId: String
    public var lastModified: Int64

    public init(key: String, versionId: String, lastModified: Int64) {
        self.key = key
        self.versionId = versionId
        self.lastModified = lastModified
    }
}

/// One stored version of a key.
public enum StoredVersion: Sendable, Hashable {
    case object(ObjectRecord)
    case deleteMarker(DeleteMarker)

    public var versionId: String {
        switch self {
        case .object(let record): return record.versionId ?? VersionID.null
        case .deleteMarker(let marker): return marker.versionId
        }
    }
}

/// What deleting a key without a version id did.
public struct KeyDeletion: Sendable, Hashable {
    public var key: String
    /// In a versioned bucket, the delete marker now newest for the key.
    public var marker: DeleteMarker?

    public init(key: String, marker: DeleteMarker?) {
        self.key = key
        self.marker = marker
    }
}

/// What deleting one version did. Deleting a version that does not exist succeeds, as OSS's does.
public struct VersionDeletion: Sendable, Hashable {
    public var key: String
    public var versionId: String
    /// The version removed was a delete marker.
    public var wasDeleteMarker: Bool

    public init(key: String, versionId: String, wasDeleteMarker: Bool) {
        self.key = key
        self.versionId = versionId
        self.wasDeleteMarker = wasDeleteMarker
    }
}

/// ListObjectVersions: keys in order, each key's versions newest first.
public struct VersionListQuery: Sendable, Hashable {
    public var bucket: String
    public var prefix: String
    public var delimiter: String?
    /// Continue after this key; with `versionIdMarker`, after that version of it.
    public var keyMarker: String?
    public var versionIdMarker: String?
    public var limit: Int

    public init(bucket: String, prefix: String = "", delimiter: String? = nil, keyMarker: String? = nil,
                versionIdMarker: String? = nil, limit: Int = 1000) {
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.keyMarker = keyMarker
        self.versionIdMarker = versionIdMarker
        self.limit = limit
    }
}

public struct VersionListing: Sendable {
    public enum Entry: Sendable {
        case version(StoredVersion, isLatest: Bool)
        case commonPrefix(String)
    }

    public var entries: [Entry]
    public var isTruncated: Bool
    public var nextKeyMarker: String?
    public var nextVersionIdMarker: String?

    public init(entries: [Entry], isTruncated: Bool, nextKeyMarker: String?, nextVersionIdMarker: String?) {
        self.entries = entries
        self.isTruncated = isTruncated
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionIdMarker = nextVersionIdMarker
    }
}
