/// What object storage refuses, in its own terms. Front ends map each case once to their wire form (OSS XML
/// in SiloHTTP); nothing here knows HTTP.
public enum StorageError: Error, Sendable, Hashable {
    case noSuchBucket(String)
    case noSuchKey(String)
    case noSuchUpload(String)
    case bucketNotEmpty(String)
    /// The name is another owner's bucket.
    case bucketAlreadyExists(String)
    /// A forbid-overwrite write found the key taken.
    case objectExists(String)
    /// Past 5 GB, or past what the client announced.
    case tooLarge
    /// The body ended before the announced length.
    case incompleteBody(expected: Int64, received: Int64)
    case bodyLongerThanAnnounced
    /// The body's MD5 differs from `Content-MD5`.
    case digestMismatch
    /// An append at the wrong position; the object's length now.
    case positionMismatch(currentLength: Int64)
    case notAppendable(String)
    case invalidPartOrder(String?)
    case invalidPart(Int)
    case partTooSmall(Int)
    /// A conditional read or copy whose `If-*` conditions do not hold.
    case preconditionFailed
    /// A symlink whose target is missing (or is itself a symlink).
    case symlinkTargetMissing(String)
    case notSymlink(String)
    /// A read-modify-write lost to concurrent writers every time it tried.
    case contended
    /// A `versionId` that is not a version id.
    case invalidVersionId
    /// The key has no version of that id.
    case noSuchVersion(String)
    /// A read of a key whose newest version (or the version named) is a delete marker.
    case deleteMarker(DeleteMarker)
    /// A bucket's event notification configuration that cannot be stored, and why.
    case invalidNotification(String)
    /// A bucket policy that is not a policy document, and why.
    case invalidPolicy(String)
}

/// A backend Silo depends on (the metadata database, a remote blob store) refused the connection or did not
/// answer in time. Nothing was decided: the request may be retried. Front ends answer 503.
public struct BackendUnavailable: Error, Sendable, Hashable, CustomStringConvertible {
    public let backend: String
    public let reason: String

    public init(backend: String, reason: String) {
        self.backend = backend
        self.reason = reason
    }

    public var description: String { "\(backend) unavailable: \(reason)" }
}
