/// Closed vocabularies of the OSS API.

public enum StorageClass: String, Sendable, CaseIterable, Hashable, Codable {
    case standard = "Standard"
    case ia = "IA"
    case archive = "Archive"
    case coldArchive = "ColdArchive"
    case deepColdArchive = "DeepColdArchive"

    /// Case-insensitive, as OSS accepts `standard` and `STANDARD`.
    public init?(wire: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == wire.lowercased() }) else { return nil }
        self = match
    }
}

public enum BucketACL: String, Sendable, CaseIterable, Hashable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
}

/// An object's ACL; `default` defers to the bucket's.
public enum ObjectACL: String, Sendable, CaseIterable, Hashable, Codable {
    case `default` = "default"
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"

    public func effective(bucket: BucketACL) -> BucketACL {
        switch self {
        case .default: return bucket
        case .private: return .private
        case .publicRead: return .publicRead
        case .publicReadWrite: return .publicReadWrite
        }
    }
}

public enum ObjectType: String, Sendable, CaseIterable, Hashable {
    case normal = "Normal"
    case multipart = "Multipart"
    case appendable = "Appendable"
    case symlink = "Symlink"
}
