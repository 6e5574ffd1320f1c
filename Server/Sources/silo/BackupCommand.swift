import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SiloCore
import SiloMetadataSQLite
import SiloStorage

/// `silo backup` and `silo restore` of the embedded store (SQLite metadata, local blobs, and the keys in the data
/// folder). Both end by reading every object version back and comparing its CRC-64 with the one recorded at write
/// time, so a backup that could not be restored is known at once.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy an embedded data folder (it may be in use) to a new folder, then verify every object.",
        discussion: """
            The metadata is copied with SQLite's online backup, then every blob it references. The master key, the \
            callback key and the root identity are copied too (mode 0600, folder 0700): keep the backup as private \
            as the data folder. With SILO_MASTER_KEY set instead of data/master.key, keep that key yourself.
            """)

    @Option(help: "The data folder to back up.")
    var dataDir: String = "./data"

    @Option(help: "The backup folder to create (must not exist or be empty).")
    var to: String

    func run() async throws {
        try BackupFolders.requireEmpty(to)
        try BackupFolders.makePrivate(to)
        let source = try SQLiteMetadataStore(path: dataDir + "/metadata.sqlite")
        let copied = try await BackupFolders.snapshot(metadata: source, from: dataDir, to: to)
        let report = try await BackupVerifier.verify(folder: to)
        print("backed up \(dataDir) to \(to): \(copied) blobs; verified \(report)")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a `silo backup` folder into a new data folder, then verify every object.")

    @Option(help: "The backup folder.")
    var from: String

    @Option(help: "The data folder to create (must not exist or be empty); start `silo server --data-dir` on it.")
    var dataDir: String

    func run() async throws {
        try BackupFolders.requireEmpty(dataDir)
        // Verify the backup before copying it anywhere, and the copy after.
        _ = try await BackupVerifier.verify(folder: from)
        try BackupFolders.makePrivate(dataDir)
        try BackupFolders.copyTree(from, dataDir)
        let report = try await BackupVerifier.verify(folder: dataDir)
        print("restored \(from) into \(dataDir); verified \(report)")
    }
}

enum BackupFolders {
    static let keyFiles = [MasterKey.fileName, CallbackKey.fileName, RootIdentity.fileName]

    static func requireEmpty(_ path: String) throws {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: path), !entries.isEmpty {
            throw ValidationError("\(path) exists and is not empty")
        }
    }

    static func makePrivate(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }

    /// The metadata at one instant, then every blob it references. A referenced blob that vanished meanwhile was
    /// released and collected after the snapshot: the copy is retried from a new snapshot (a few times).
    static func snapshot(metadata: SQLiteMetadataStore, from: String, to: String) async throws -> Int {
        for _ in 0..<3 {
            try? FileManager.default.removeItem(atPath: to + "/metadata.sqlite")
            try metadata.backup(to: to + "/metadata.sqlite")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: to + "/metadata.sqlite")
            let copy = try SQLiteMetadataStore(path: to + "/metadata.sqlite")
            var copied = 0
            var vanished = false
            for (blob, referenced) in try await copy.blobReferences() where referenced {
                let relative = "blobs/" + blob.raw.prefix(2) + "/" + blob.raw.dropFirst(2).prefix(2) + "/" + blob.raw
                var source = from + "/" + relative
                if !FileManager.default.fileExists(atPath: source) { source = from + "/staging/" + blob.raw }
                guard FileManager.default.fileExists(atPath: source) else {
                    vanished = true
                    break
                }
                try copyFile(source, to + "/" + relative)
                copied += 1
            }
            if vanished { continue }
            for name in keyFiles where FileManager.default.fileExists(atPath: from + "/" + name) {
                try copyFile(from + "/" + name, to + "/" + name)
            }
            return copied
        }
        throw ValidationError("blobs kept disappearing while they were copied: stop the server, or give it a longer --gc-grace-seconds, and back up again")
    }

    /// Copies a file, syncs it, and keeps it private.
    static func copyFile(_ source: String, _ destination: String) throws {
        let folder = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if FileManager.default.fileExists(atPath: destination) { try FileManager.default.removeItem(atPath: destination) }
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: destination))
        try handle.synchronize()
        try handle.close()
    }

    static func copyTree(_ from: String, _ to: String) throws {
        guard let enumerator = FileManager.default.enumerator(atPath: from) else { return }
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: from + "/" + relative, isDirectory: &isDirectory),
                  !isDirectory.boolValue
            else { continue }
            try copyFile(from + "/" + relative, to + "/" + relative)
        }
    }
}

/// Reads every version of every object in a data folder and compares its CRC-64 with the recorded one.
enum BackupVerifier {
    struct Report: CustomStringConvertible {
        var buckets = 0
        var versions = 0
        var bytes: Int64 = 0
        var description: String { "\(buckets) buckets, \(versions) object versions, \(bytes) bytes, every CRC-64 matching" }
    }

    static func verify(folder: String) async throws -> Report {
        guard FileManager.default.fileExists(atPath: folder + "/metadata.sqlite") else {
            throw ValidationError("\(folder) has no metadata.sqlite: not an embedded data folder or backup")
        }
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        do {
            let report = try await verify(folder: folder, pool: pool)
            try await pool.shutdownGracefully()
            return report
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    static func verify(folder: String, pool: NIOThreadPool) async throws -> Report {
        let metadata = try SQLiteMetadataStore(path: folder + "/metadata.sqlite")
        let keys = (try? MasterKey.load(dataDirectory: folder, environment: ProcessInfo.processInfo.environment, create: false))
            .map(DataKeys.init(masterKey:))
        let blobs = SealingBlobStore(inner: try LocalBlobStore(root: folder, pool: pool), keys: keys)
        var report = Report()
        var marker = ""
        while true {
            let buckets = try await metadata.listBuckets(prefix: "", after: marker, limit: 100)
            for bucket in buckets {
                report.buckets += 1
                var query = VersionListQuery(bucket: bucket.name, limit: 1000)
                while true {
                    let page = try await metadata.listVersions(query)
                    for case .version(.object(let record), _) in page.entries {
                        try await check(record, blobs: blobs)
                        report.versions += 1
                        report.bytes += record.size
                    }
                    guard page.isTruncated else { break }
                    query.keyMarker = page.nextKeyMarker
                    query.versionIdMarker = page.nextVersionIdMarker
                }
            }
            guard buckets.count == 100, let last = buckets.last else { return report }
            marker = last.name
        }
    }

    static func check(_ record: ObjectRecord, blobs: SealingBlobStore) async throws {
        guard record.size > 0 else { return }
        let reader = try await blobs.reader(for: record.extents)
        var crc = CRC64()
        do {
            try await reader.read(0..<record.size, chunkSize: 1 << 20) { piece in
                piece.withUnsafeReadableBytes { crc.update(buffer: $0) }
            }
        } catch {
            await reader.close()
            throw ValidationError("\(record.bucket)/\(record.key) (version \(record.versionName)) cannot be read: \(error)")
        }
        await reader.close()
        guard crc.value == record.crc64 else {
            throw ValidationError("\(record.bucket)/\(record.key) (version \(record.versionName)): CRC-64 \(crc.value), recorded \(record.crc64)")
        }
    }
}
