import ArgumentParser
import Foundation
import SiloClient
import SiloCore

/// `silo cp SOURCE DEST [-r]`: uploads and downloads run on the SDK's transfer manager, as an app's do: each is
/// a transfer named by what it copies, recorded with its checkpoint under --checkpoint-dir, so an interrupted
/// copy continues where it stopped when run again (or through `silo transfers`).
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy local→remote, remote→local or remote→remote; resumable.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "A local path or oss://bucket/key") var source: String
    @Argument(help: "A local path or oss://bucket/key (a trailing / means a folder)") var destination: String
    @Flag(name: .shortAndLong, help: "Copy a folder or a whole prefix.") var recursive = false
    @Option(help: "Part size in bytes for multipart transfers.") var partSize: Int64 = 8 << 20
    @Option(help: "Parts in flight at once.") var concurrency = 3
    @Option(help: "Where transfers and their checkpoints are kept.") var checkpointDir: String = TransfersCommand.defaultDirectory
    @Option(help: "Content-Type of uploaded objects (default: from the extension).") var contentType: String?

    func run() async throws {
        let parts = PartCounter()
        let client = try options.makeClient(middlewares: [parts])
        defer { Task { try? await client.shutdown() } }
        let from = try Location(source)
        let to = try Location(destination)
        var settings = TransferManager.Configuration(maxConcurrentTransfers: 1)
        settings.partSize = partSize
        settings.partConcurrency = concurrency
        let manager = TransferManager(client: client, store: TransfersCommand.store(checkpointDir), configuration: settings)
        try await reportingErrors {
            switch (from, to) {
            case (.local(let file), .remote(let bucket, let key)):
                for (local, remoteKey) in try uploads(file, key: key) {
                    try await upload(local, bucket: bucket, key: remoteKey, manager: manager, parts: parts)
                }
            case (.remote(let bucket, let key), .local(let file)):
                let (planned, skipped) = try await downloads(client.bucket(bucket), key: key, into: file)
                for (remoteKey, local) in planned {
                    try await download(bucket: bucket, key: remoteKey, to: local, manager: manager)
                }
                // Keys are whatever uploaders chose: those that would land outside the destination are not
                // written anywhere, and each is named.
                for refusal in skipped {
                    FileHandle.standardError.write(Data("silo cp: skipped \(refusal)\n".utf8))
                }
                if !skipped.isEmpty {
                    throw ValidationError("\(skipped.count) key(s) skipped: they would be written outside \(file.path)")
                }
            case (.remote(let sourceBucket, let sourceKey), .remote(let bucket, let key)):
                guard !recursive else { throw ValidationError("-r between two remote locations is not supported yet") }
                let target = key.isEmpty || key.hasSuffix("/") ? key + (sourceKey.split(separator: "/").last.map(String.init) ?? sourceKey) : key
                let started = ContinuousClock.now
                let result = try await client.bucket(bucket).copy(from: sourceKey, sourceBucket: sourceBucket, to: target)
                report(source: "oss://\(sourceBucket)/\(sourceKey)", destination: "oss://\(bucket)/\(target)", bytes: nil,
                       etag: result.etag, crc64: result.crc64, partsSent: nil, seconds: started.duration(to: .now))
            case (.local, .local):
                throw ValidationError("one side of cp must be oss://bucket/key")
            }
        }
    }

    private func uploads(_ file: URL, key: String) throws -> [(URL, String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            throw ValidationError("\(file.path) does not exist")
        }
        if !isDirectory.boolValue {
            let target = key.isEmpty || key.hasSuffix("/") ? key + file.lastPathComponent : key
            return [(file, target)]
        }
        guard recursive else { throw ValidationError("\(file.path) is a folder: use -r") }
        let prefix = key.isEmpty || key.hasSuffix("/") ? key : key + "/"
        var found: [(URL, String)] = []
        let base = file.standardizedFileURL.path
        let walker = FileManager.default.enumerator(at: file, includingPropertiesForKeys: [.isRegularFileKey])
        while let item = walker?.nextObject() as? URL {
            guard (try? item.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = String(item.standardizedFileURL.path.dropFirst(base.count).drop { $0 == "/" })
            found.append((item, prefix + relative))
        }
        return found.sorted { $0.1 < $1.1 }
    }

    /// The keys to download and the files they go to, and the keys refused because their file would lie
    /// outside the destination.
    private func downloads(_ bucket: Bucket, key: String, into file: URL) async throws
        -> (planned: [(String, URL)], skipped: [LocalDestination.UnsafeKey])
    {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory)
        let intoFolder = (exists && isDirectory.boolValue) || destination.hasSuffix("/")
        if !recursive {
            guard !key.isEmpty else { throw ValidationError("cp needs a key, or -r for a prefix") }
            guard intoFolder else { return ([(key, file)], []) }
            do {
                return ([(key, try LocalDestination.file(namedAfterKey: key, in: file))], [])
            } catch {
                return ([], [error])
            }
        }
        var found: [(String, URL)] = []
        var skipped: [LocalDestination.UnsafeKey] = []
        for try await entry in bucket.list(prefix: key) {
            guard case .object(let object) = entry, !object.key.hasSuffix("/") else { continue }
            do {
                found.append((object.key, try LocalDestination.file(forKey: object.key, removingPrefix: key, under: file)))
            } catch {
                skipped.append(error)
            }
        }
        return (found, skipped)
    }

    /// The same copy has the same id, so running it again continues it.
    private func transferId(_ direction: String, bucket: String, key: String, file: URL) -> String {
        let identity = [options.endpoint, direction, bucket, key, file.standardizedFileURL.path].joined(separator: "\u{0}")
        return "cp-\(direction)-" + String(CRC64.checksum(Array(identity.utf8)), radix: 16)
    }

    private func upload(_ file: URL, bucket: String, key: String, manager: TransferManager, parts: PartCounter) async throws {
        var objectOptions = ObjectOptions()
        if let contentType { objectOptions.contentType = contentType }
        let id = transferId("up", bucket: bucket, key: key, file: file)
        let before = parts.count
        let started = ContinuousClock.now
        try await manager.upload(file, bucket: bucket, key: key, id: id, options: objectOptions)
        let done = try await finish(id, label: file.lastPathComponent, manager: manager)
        report(source: file.path, destination: "oss://\(bucket)/\(key)", bytes: try FileFingerprint(of: file).size,
               etag: done.etag ?? "", crc64: done.crc64, partsSent: parts.count - before,
               seconds: started.duration(to: .now))
    }

    private func download(bucket: String, key: String, to file: URL, manager: TransferManager) async throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let id = transferId("down", bucket: bucket, key: key, file: file)
        let started = ContinuousClock.now
        try await manager.download(bucket: bucket, key: key, to: file, id: id)
        let done = try await finish(id, label: key.split(separator: "/").last.map(String.init) ?? key, manager: manager)
        report(source: "oss://\(bucket)/\(key)", destination: file.path, bytes: done.progress.totalBytes,
               etag: done.etag ?? "", crc64: done.crc64, partsSent: nil, seconds: started.duration(to: .now))
    }

    /// Waits for the transfer (drawing its progress on a terminal), then forgets it: a finished copy leaves no record.
    private func finish(_ id: String, label: String, manager: TransferManager) async throws -> TransferSnapshot {
        let bar = ProgressBar.follow(manager, id: id, label: label)
        defer { bar?.cancel() }
        let done = try await manager.wait(for: id)
        guard done.state == .completed else { throw ValidationError("transfer \(id) stopped: \(done.state.rawValue)") }
        await manager.forget(id)
        return done
    }

    /// `seconds` is the transfer's own time, from its start to its file in place or its object complete,
    /// without the process's start.
    private func report(source: String, destination: String, bytes: Int64?, etag: String, crc64: UInt64?, partsSent: Int?,
                        seconds: Duration) {
        if options.json {
            let (whole, attoseconds) = seconds.components
            var object: [String: Any] = ["source": source, "destination": destination, "etag": etag,
                                         "seconds": Double(whole) + Double(attoseconds) / 1e18]
            if let bytes { object["bytes"] = bytes }
            if let crc64 { object["crc64"] = String(crc64) }
            if let partsSent { object["parts_sent"] = partsSent }
            printJSON(object)
        } else {
            print("\(source) -> \(destination)" + (bytes.map { " (\(ProgressBar.bytes($0)))" } ?? ""))
        }
    }
}

/// Counts the UploadPart requests that succeeded, for `--json`'s `parts_sent`.
final class PartCounter: ClientMiddleware, @unchecked Sendable {
    private let lock = NSLock()
    private var sent = 0

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return sent
    }

    func handle(_ request: ClientRequest, next: @Sendable (ClientRequest) async throws -> TransportResponse) async throws
        -> TransportResponse {
        let response = try await next(request)
        if request.method == .put, request.query["partNumber"] != nil { increment() }
        return response
    }

    private func increment() {
        lock.lock()
        sent += 1
        lock.unlock()
    }
}
