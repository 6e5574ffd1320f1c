import Foundation

/// Where a transfer stands. Everything but `running` survives a relaunch as it is; a transfer that was running
/// when the app died comes back `queued`.
public enum TransferState: String, Sendable, Codable, Hashable {
    /// Waiting for a slot (the manager runs a bounded number at once).
    case queued
    case running
    /// Stopped by the app; its checkpoint keeps the finished parts.
    case paused
    /// Stopped by an error; `resume` tries again from the checkpoint.
    case failed
    case completed
    /// Given up: its parts were aborted and its checkpoint removed. Reported once, then forgotten.
    case cancelled

    public var isFinished: Bool { self == .completed || self == .cancelled }
}

public enum TransferKind: String, Sendable, Codable, Hashable {
    case upload
    case download
}

/// A file path that survives iOS moving the app's container: a path under the container's root is kept
/// relative to it and resolved against the root of the current launch.
struct ContainerPath: Codable, Sendable, Hashable {
    var relative: String?
    var absolute: String?

    init(_ url: URL, root: URL) {
        let rootPath = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        let prefix = rootPath.hasSuffix("/") ? rootPath : rootPath + "/"
        if path.hasPrefix(prefix) {
            relative = String(path.dropFirst(prefix.count))
        } else {
            absolute = path
        }
    }

    func resolve(against root: URL) -> URL {
        if let relative { return root.appendingPathComponent(relative) }
        return URL(fileURLWithPath: absolute ?? "/")
    }
}

/// One transfer as the manager persists it: enough to list it and to run it again after a relaunch.
struct TransferRecord: Codable, Sendable {
    var version = 1
    var id: String
    var kind: TransferKind
    var bucket: String
    var key: String
    var file: ContainerPath
    var state: TransferState
    var created: Date
    /// Upload options: content type, metadata, callback.
    var objectOptions: ObjectOptions?
    var partSize: Int64
    var bytesTransferred: Int64 = 0
    var totalBytes: Int64?
    var failure: String?
    var etag: String?
    var crc64: UInt64?
    /// The app server's answer to an upload callback, passed back by storage.
    var callbackBody: Data?
}

/// What the app sees of a transfer: a value, delivered by the manager's updates and its list.
public struct TransferSnapshot: Sendable, Hashable, Identifiable {
    public var id: String
    public var kind: TransferKind
    public var bucket: String
    public var key: String
    public var file: URL
    public var state: TransferState
    public var progress: TransferProgress
    /// Why it failed, for `failed`.
    public var failure: String?
    /// The stored object's ETag, once completed.
    public var etag: String?
    /// The object's CRC-64, checked end to end, once completed.
    public var crc64: UInt64?
    /// An upload's callback answer (the app server's body, passed back by storage), once completed.
    public var callbackBody: Data?
    public var created: Date
}
