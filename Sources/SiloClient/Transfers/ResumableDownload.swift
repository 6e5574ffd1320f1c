import Foundation
import SiloCore

public struct ResumableDownloadOptions: Sendable {
    public var partSize: Int64 = 8 << 20
    public var concurrency = 3
    /// Where the checkpoint lives. Nil: no resume across processes.
    public var checkpointDirectory: URL?
    /// Names this transfer's checkpoint; by default it is named by the endpoint, bucket, key and the destination's
    /// file name, never its full path, which changes when iOS moves the app's container.
    public var transferId: String?

    public init(checkpointDirectory: URL? = nil, transferId: String? = nil) {
        self.checkpointDirectory = checkpointDirectory
        self.transferId = transferId
    }
}

extension Bucket {
    /// Downloads in ranged parts, in parallel, into a temporary file next to `file`, which is renamed into
    /// place only when every byte is there and the CRC-64 matches. Interrupted, the same call continues with
    /// the parts still missing, as long as the object has not changed (its ETag pins every range request).
    public func resumableDownload(_ key: String, to file: URL, options: ResumableDownloadOptions = ResumableDownloadOptions(),
                                  progress: TransferProgress.Reporter? = nil) async throws -> ObjectInfo {
        let info = try await head(key)
        let partSize = Swift.max(options.partSize, 64 << 10)
        let checkpointURL = downloadCheckpointURL(key, file: file, options: options)
        let temporary = Self.partialDownload(for: file)
        var record = DownloadCheckpoint(endpoint: client.endpoint.absoluteString, bucket: name, key: key, etag: info.etag,
                                        size: info.size, partSize: partSize, temporaryPath: temporary.path, completedParts: [])
        if let checkpointURL, let saved = AtomicJSON.read(DownloadCheckpoint.self, from: checkpointURL),
            saved.etag == info.etag, saved.size == info.size, saved.partSize == partSize,
            FileManager.default.fileExists(atPath: temporary.path) {
            record = saved
            record.temporaryPath = temporary.path
        } else {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw OSSClientError.invalidArgument("cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.truncate(atOffset: UInt64(info.size))
            try handle.close()
        }
        let store = CheckpointStore(url: checkpointURL, record: record)
        try await store.update { _ in }
        let partCount = Int((info.size + partSize - 1) / partSize)
        var missing = (0..<partCount).filter { !record.completedParts.contains($0) }
        progress?.begin(total: info.size, alreadyDone: Int64(record.completedParts.count) * partSize)

        // Parts this process wrote itself, from the bytes it checksummed, into its own descriptor: nothing can
        // stand between the CRC and the file, so they are not read back. Parts from an earlier process and
        // parts a transport landed in its own file are.
        let writtenHere = client.transport.downloadsToFiles ? nil : Locked<Set<Int>>([])
        let buffers = GatherBuffers()
        do {
            var rounds = 0
            while true {
                try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
                    var pending = missing[...]
                    func startNext() {
                        guard let index = pending.popFirst() else { return }
                        let offset = Int64(index) * partSize
                        let length = Swift.min(partSize, info.size - offset)
                        group.addTask {
                            let crc = client.transport.downloadsToFiles
                                ? try await downloadRangeThroughFile(key, etag: info.etag, offset: offset, length: length,
                                                                     into: temporary, progress: progress)
                                : try await downloadRange(key, etag: info.etag, offset: offset, length: length,
                                                          into: temporary, buffers: buffers, progress: progress)
                            writtenHere?.withLock { _ = $0.insert(index) }
                            return (index, crc)
                        }
                    }
                    for _ in 0..<Swift.max(1, options.concurrency) { startNext() }
                    while let (index, crc) = try await group.next() {
                        // The next range starts before the checkpoint's write, which is not on its path.
                        startNext()
                        try await store.update {
                            $0.completedParts.insert(index)
                            $0.partCRCs[index] = crc
                        }
                    }
                }
                guard client.configuration.checksumValidation else { break }
                // What counts is the file, not what arrived: each part is read back and checked against the CRC
                // it arrived with. (On Linux, downloads over FoundationNetworking's URLSession were seen to leave
                // the tail of one range where the next range belongs, every range having arrived intact: the
                // pattern of a file descriptor closed under its writer and reused.) Damaged parts are fetched again.
                let record = await store.record
                let trusted = writtenHere?.current ?? []
                let damaged = try await BlockingIO.run { try Self.damagedParts(record, file: temporary, trusting: trusted) }
                if damaged.isEmpty { break }
                guard rounds < client.configuration.maxRetries else {
                    try? FileManager.default.removeItem(at: temporary)
                    await store.remove()
                    throw OSSClientError.transport(NetworkFailure(
                        .other, "parts \(damaged) of \(key) did not land intact in \(temporary.path)"))
                }
                rounds += 1
                try await store.update {
                    for index in damaged {
                        $0.completedParts.remove(index)
                        $0.partCRCs[index] = nil
                    }
                }
                for index in damaged { progress?.rewind(Swift.min(partSize, info.size - Int64(index) * partSize)) }
                missing = damaged
            }
            if client.configuration.checksumValidation, let expected = info.crc64 {
                let record = await store.record
                let actual = try await BlockingIO.run { try Self.combinedCRC(record, file: temporary) }
                guard actual == expected else {
                    try? FileManager.default.removeItem(at: temporary)
                    await store.remove()
                    throw OSSClientError.crcMismatch(expected: expected, actual: actual, requestId: info.requestId)
                }
            }
            try FileReplacement.move(temporary, over: file)
            await store.remove()
            progress?.finish()
            return info
        } catch {
            throw RetryMiddleware.map(error)
        }
    }

    func downloadCheckpointURL(_ key: String, file: URL, options: ResumableDownloadOptions) -> URL? {
        options.checkpointDirectory.map {
            $0.appendingPathComponent(CheckpointName.make(
                [client.endpoint.absoluteString, name, key, options.transferId ?? file.lastPathComponent], suffix: "download"))
        }
    }

    /// Where the bytes gather before the rename: a hidden sibling of the destination.
    static func partialDownload(for file: URL) -> URL {
        file.deletingLastPathComponent().appendingPathComponent("." + file.lastPathComponent + ".silo-part")
    }

    /// Gives up a resumable download that is not running: the partial file and the checkpoint are removed.
    public func discardResumableDownload(_ key: String, to file: URL, options: ResumableDownloadOptions) {
        try? FileManager.default.removeItem(at: Self.partialDownload(for: file))
        if let url = downloadCheckpointURL(key, file: file, options: options) { try? FileManager.default.removeItem(at: url) }
    }

    /// Fetches one range (pinned to `etag`) into a file the transport writes (its download task), then copies it
    /// to its offset, synced; returns its CRC-64. Memory stays flat without pushing back on the network.
    private func downloadRangeThroughFile(_ key: String, etag: String, offset: Int64, length: Int64, into file: URL,
                                          progress: TransferProgress.Reporter?) async throws -> UInt64 {
        try FileManager.default.createDirectory(at: SpoolFile.folder, withIntermediateDirectories: true)
        let landing = SpoolFile.folder.appendingPathComponent(UUID().uuidString + ".download")
        defer { try? FileManager.default.removeItem(at: landing) }
        let received = Locked<Int64>(0)
        var request = ClientRequest(method: .get, bucket: name, key: key)
        request.setHeader("Range", "bytes=\(offset)-\(offset + length - 1)")
        request.setHeader("If-Match", "\"\(etag)\"")
        request.downloadDestination = landing
        request.onBytesReceived = { count, _ in
            received.withLock { $0 += count }
            progress?.advance(count)
        }
        do {
            _ = try await client.send(request)
            let crc = try await BlockingIO.run { try Self.copyRange(from: landing, length: length, to: file, at: offset) }
            // Retried attempts (a 5xx body) and what the system reported may differ from the part: settle on it.
            let counted = received.current
            if counted < length { progress?.advance(length - counted) } else if counted > length { progress?.rewind(counted - length) }
            return crc
        } catch {
            progress?.rewind(received.current)
            throw RetryMiddleware.map(error)
        }
    }

    /// Copies a range a transport landed in its own file to its offset in `file`, synced; returns its CRC-64.
    private static func copyRange(from landing: URL, length: Int64, to file: URL, at offset: Int64) throws -> UInt64 {
        let sink = try FileHandle(forWritingTo: file)
        defer { try? sink.close() }
        try sink.seek(toOffset: UInt64(offset))
        var crc = CRC64()
        var taken: Int64 = 0
        var writebackStarted: Int64 = 0
        // One byte past the range tells a landing file longer than the range; only the range is copied.
        let copied = try FileSlices.forEach(landing, offset: 0, length: length + 1) { slice in
            let part = UnsafeRawBufferPointer(rebasing: slice.prefix(Int(length - taken)))
            taken += Int64(part.count)
            crc.update(buffer: part)
            try sink.write(contentsOf: part)
            // A MiB at a time, as `RangeSink` does, so the sync below finds little left.
            if taken - writebackStarted >= Int64(GatherBuffers.batchSize) {
                Writeback.start(descriptor: sink.fileDescriptor, offset: offset + writebackStarted,
                                length: taken - writebackStarted)
                writebackStarted = taken
            }
        }
        guard copied == length else {
            throw OSSClientError.transport(NetworkFailure(.connectionLost, "range arrived with \(copied) of \(length) bytes"))
        }
        try sink.synchronize()
        return crc.value
    }

    /// Fetches one range (pinned to `etag`) and writes it, synced, at its offset; returns its CRC-64.
    private func downloadRange(_ key: String, etag: String, offset: Int64, length: Int64, into file: URL,
                               buffers: GatherBuffers, progress: TransferProgress.Reporter?) async throws -> UInt64 {
        let buffer = buffers.take()
        defer { buffers.giveBack(buffer) }
        var attempt = 0
        while true {
            var written: Int64 = 0
            var crc = CRC64()
            do {
                var request = ClientRequest(method: .get, bucket: name, key: key)
                request.setHeader("Range", "bytes=\(offset)-\(offset + length - 1)")
                request.setHeader("If-Match", "\"\(etag)\"")
                let response = try await client.send(request)
                let sink = try await BlockingIO.run { try RangeSink(file, at: offset, buffer: buffer) }
                for try await chunk in response.body {
                    // Bytes past the range would land on the next range's: refused before they are written.
                    guard written + Int64(chunk.count) <= length else {
                        throw OSSClientError.transport(NetworkFailure(.other, "range of \(length) bytes answered with more"))
                    }
                    crc.update(chunk)
                    written += Int64(chunk.count)
                    progress?.advance(Int64(chunk.count))
                    try await sink.take(chunk)
                }
                guard written == length else {
                    throw OSSClientError.transport(NetworkFailure(.connectionLost, "range ended after \(written) of \(length) bytes"))
                }
                try await BlockingIO.run { try sink.finish() }
                return crc.value
            } catch {
                progress?.rewind(written)
                let mapped = RetryMiddleware.map(error)
                // A body cut mid-way is retried here: the request itself already succeeded.
                guard case .transport = mapped, attempt < client.configuration.maxRetries else { throw mapped }
                attempt += 1
            }
        }
    }

    /// Parts whose bytes in the file differ from the CRC they arrived with, read back in 1 MiB slices, one
    /// part after the other (the folded CRC outruns the page cache's copy, so threads would buy little); the
    /// `trusting` parts are not read.
    static func damagedParts(_ record: DownloadCheckpoint, file: URL, trusting: Set<Int> = []) throws -> [Int] {
        let parts = record.completedParts.sorted().filter { record.partCRCs[$0] != nil && !trusting.contains($0) }
        return try parts.filter { index in
            let offset = Int64(index) * record.partSize
            let length = Swift.min(record.partSize, record.size - offset)
            return try Self.crcOfSlice(file, offset: offset, length: length) != record.partCRCs[index]
        }
    }

    /// CRC-64 of `length` bytes of `file` from `offset`; nil when the file ends first.
    static func crcOfSlice(_ file: URL, offset: Int64, length: Int64) throws -> UInt64? {
        var crc = CRC64()
        let read = try FileSlices.forEach(file, offset: offset, length: length) { crc.update(buffer: $0) }
        return read == length ? crc.value : nil
    }

    /// The whole object's CRC-64 from the parts' CRCs; a part without one (an older checkpoint) is read back.
    static func combinedCRC(_ record: DownloadCheckpoint, file: URL) throws -> UInt64 {
        var crc: UInt64 = 0
        let partCount = Int((record.size + record.partSize - 1) / record.partSize)
        for index in 0..<partCount {
            let offset = Int64(index) * record.partSize
            let length = Swift.min(record.partSize, record.size - offset)
            let part = try record.partCRCs[index] ?? CRC64.checksum(readSlice(file, offset: offset, length: length))
            crc = CRC64.combine(crc, part, length2: UInt64(length))
        }
        return crc
    }
}
