import Foundation
import SiloCore

/// How a resumable upload splits and persists its work.
public struct ResumableUploadOptions: Sendable {
    /// Grown as needed so a file needs at most 10,000 parts; never below 100 KiB.
    public var partSize: Int64 = 8 << 20
    /// Parts in flight at once (the client's request limit also applies).
    public var concurrency = 3
    /// Where the checkpoint lives. Nil keeps it in memory only: no resume across processes.
    public var checkpointDirectory: URL?
    public var objectOptions = ObjectOptions()
    /// Abort the upload on the server when the task is cancelled, instead of keeping it for a later resume.
    public var abortOnCancel = false
    /// Names this transfer's checkpoint; by default it is named by the endpoint, bucket, key and the file's name,
    /// never its full path, which changes when iOS moves the app's container (the file's size and modification
    /// date, kept in the checkpoint, still tell a changed file).
    public var transferId: String?

    public init(checkpointDirectory: URL? = nil, transferId: String? = nil) {
        self.checkpointDirectory = checkpointDirectory
        self.transferId = transferId
    }

    func effectivePartSize(for size: Int64) -> Int64 {
        var part = Swift.max(partSize, 100 << 10)
        while (size + part - 1) / part > 10_000 { part *= 2 }
        return part
    }
}

extension Bucket {
    /// Uploads a file in parts, in parallel, resumable after a failure, a cancellation or a restart of the
    /// process: the same call with the same checkpoint directory sends only the parts the server lacks.
    /// The object's CRC-64 is checked end to end. If the file changed since the checkpoint, the old upload is
    /// aborted and the upload starts over.
    public func resumableUpload(_ key: String, file: URL, options: ResumableUploadOptions = ResumableUploadOptions(),
                                progress: TransferProgress.Reporter? = nil) async throws -> WriteResult {
        try Self.validate(key: key)
        let fingerprint = try FileFingerprint(of: file)
        let partSize = options.effectivePartSize(for: fingerprint.size)
        if fingerprint.size <= partSize {
            return try await put(key, file: file, options: options.objectOptions, progress: progress)
        }
        let checkpointURL = uploadCheckpointURL(key, file: file, options: options)
        let store: CheckpointStore<UploadCheckpoint>
        switch try await openUploadCheckpoint(key: key, file: file, fingerprint: fingerprint, partSize: partSize,
                                              url: checkpointURL, options: options) {
        case .resume(let opened): store = opened
        case .alreadyStored(let result):
            progress?.begin(total: fingerprint.size, alreadyDone: fingerprint.size)
            progress?.finish()
            return result
        }
        let partCount = Int((fingerprint.size + partSize - 1) / partSize)
        let done = Dictionary(uniqueKeysWithValues: await store.record.parts.map { ($0.partNumber, $0) })
        let missing = (1...partCount).filter { done[$0] == nil }
        progress?.begin(total: fingerprint.size, alreadyDone: done.values.reduce(0) { $0 + $1.size })
        let uploadId = await store.record.uploadId

        do {
            try await withThrowingTaskGroup(of: UploadedPart.self) { group in
                var pending = missing[...]
                func startNext() {
                    guard let number = pending.popFirst() else { return }
                    let offset = Int64(number - 1) * partSize
                    let length = Swift.min(partSize, fingerprint.size - offset)
                    group.addTask {
                        try await uploadPart(key, uploadId: uploadId, partNumber: number,
                                             body: .file(file, offset: offset, length: length), progress: progress)
                    }
                }
                for _ in 0..<Swift.max(1, options.concurrency) { startNext() }
                while let part = try await group.next() {
                    try await store.update { $0.parts.append(part) }
                    startNext()
                }
            }
            guard try FileFingerprint(of: file) == fingerprint else {
                throw OSSClientError.fileChanged("\(file.path) changed during the upload")
            }
            let parts = await store.record.parts.sorted { $0.partNumber < $1.partNumber }
            let result = try await completeVerified(key, uploadId: uploadId, parts: parts, options: options)
            await store.remove()
            progress?.finish()
            return result
        } catch {
            let mapped = RetryMiddleware.map(error)
            if mapped == .cancelled, options.abortOnCancel {
                try? await abortMultipartUpload(key, uploadId: uploadId)
                await store.remove()
            }
            throw mapped
        }
    }

    func uploadCheckpointURL(_ key: String, file: URL, options: ResumableUploadOptions) -> URL? {
        options.checkpointDirectory.map {
            $0.appendingPathComponent(CheckpointName.make(
                [client.endpoint.absoluteString, name, key, options.transferId ?? file.lastPathComponent], suffix: "upload"))
        }
    }

    /// Gives up a resumable upload that is not running: its parts on the server are aborted and its checkpoint
    /// removed. Nothing to do when it never started.
    public func discardResumableUpload(_ key: String, file: URL, options: ResumableUploadOptions) async throws {
        guard let url = uploadCheckpointURL(key, file: file, options: options),
            let saved = AtomicJSON.read(UploadCheckpoint.self, from: url)
        else { return }
        do {
            try await abortMultipartUpload(saved.key, uploadId: saved.uploadId)
        } catch let error as OSSClientError where error.code == "NoSuchUpload" {
            // Completed or aborted already: nothing is left on the server.
        }
        try? FileManager.default.removeItem(at: url)
    }

    enum OpenedUpload {
        case resume(CheckpointStore<UploadCheckpoint>)
        /// The checkpoint's upload was completed already: the object holds exactly its parts.
        case alreadyStored(WriteResult)
    }

    /// Loads a matching checkpoint and reconciles it with the server, or starts a new upload.
    private func openUploadCheckpoint(key: String, file: URL, fingerprint: FileFingerprint, partSize: Int64, url: URL?,
                                      options: ResumableUploadOptions) async throws -> OpenedUpload {
        if let url, let saved = AtomicJSON.read(UploadCheckpoint.self, from: url) {
            if saved.fingerprint == fingerprint, saved.partSize == partSize, saved.bucket == name, saved.key == key {
                do {
                    let parts = try await reconcile(saved, file: file)
                    var record = saved
                    record.parts = parts
                    let store = CheckpointStore(url: url, record: record)
                    try await store.update { _ in }
                    return .resume(store)
                } catch let error as OSSClientError where error.code == "NoSuchUpload" {
                    // Completed already (the answer was a 203 CallbackFailed: stored, callback not delivered; or the
                    // process died between completing and removing the checkpoint): the object is there and is not
                    // sent again. Otherwise the upload expired or was aborted: start over.
                    if let stored = try await objectCompleted(from: saved) {
                        try? FileManager.default.removeItem(at: url)
                        return .alreadyStored(stored)
                    }
                }
            } else {
                // The file (or the layout) changed: the stored parts are of other bytes.
                try? await abortMultipartUpload(saved.key, uploadId: saved.uploadId)
            }
            try? FileManager.default.removeItem(at: url)
        }
        let uploadId = try await initiateMultipartUpload(key, options: options.objectOptions)
        let record = UploadCheckpoint(endpoint: client.endpoint.absoluteString, bucket: name, key: key, filePath: file.path,
                                      fingerprint: fingerprint, partSize: partSize, uploadId: uploadId, parts: [])
        let store = CheckpointStore(url: url, record: record)
        try await store.update { _ in }
        return .resume(store)
    }

    /// The object the checkpoint's upload became, when its key holds exactly the checkpoint's parts: every part of
    /// the file recorded with its CRC-64, and the object's CRC-64 their combination.
    private func objectCompleted(from saved: UploadCheckpoint) async throws -> WriteResult? {
        let partCount = Int((saved.fingerprint.size + saved.partSize - 1) / saved.partSize)
        let parts = saved.parts.sorted { $0.partNumber < $1.partNumber }
        guard parts.map(\.partNumber) == Array(1...partCount) else { return nil }
        var expected = CRC64().value
        for part in parts {
            guard let crc = part.crc64 else { return nil }
            expected = CRC64.combine(expected, crc, length2: UInt64(part.size))
        }
        let info: ObjectInfo
        do {
            info = try await head(saved.key)
        } catch let error as OSSClientError where error.code == "NoSuchKey" || error.code == "NotFound" {
            return nil
        }
        guard info.crc64 == expected, info.size == saved.fingerprint.size else { return nil }
        return WriteResult(etag: info.etag, crc64: info.crc64, requestId: info.requestId)
    }

    /// The parts the server holds that are whole slices of this file. A part the server stored after the
    /// checkpoint was last written (the crash came in between) is kept once its MD5 matches the file.
    private func reconcile(_ saved: UploadCheckpoint, file: URL) async throws -> [UploadedPart] {
        let onServer = try await listParts(saved.key, uploadId: saved.uploadId)
        let recorded = Dictionary(uniqueKeysWithValues: saved.parts.map { ($0.partNumber, $0) })
        var kept: [UploadedPart] = []
        for part in onServer {
            let offset = Int64(part.partNumber - 1) * saved.partSize
            let expectedSize = Swift.min(saved.partSize, saved.fingerprint.size - offset)
            guard part.size == expectedSize else { continue }
            if let known = recorded[part.partNumber], known.etag == part.etag {
                kept.append(known)
                continue
            }
            let slice = try Self.readSlice(file, offset: offset, length: expectedSize)
            guard ContentMD5.hex(of: slice) == part.etag.uppercased() else { continue }
            kept.append(UploadedPart(partNumber: part.partNumber, etag: part.etag, size: part.size,
                                     crc64: CRC64.checksum(slice)))
        }
        return kept
    }

    /// Completes, tolerating a lost answer: if the upload is gone afterwards, the object must carry the CRC
    /// the parts add up to.
    private func completeVerified(_ key: String, uploadId: String, parts: [UploadedPart],
                                  options: ResumableUploadOptions) async throws -> WriteResult {
        var expected = CRC64().value
        var known = true
        for part in parts {
            guard let crc = part.crc64 else {
                known = false
                break
            }
            expected = CRC64.combine(expected, crc, length2: UInt64(part.size))
        }
        let expectedCRC = known ? expected : nil
        var attempt = 0
        while true {
            do {
                return try await completeMultipartUpload(key, uploadId: uploadId, parts: parts, expectedCRC: expectedCRC,
                                                         options: options.objectOptions)
            } catch let error as OSSClientError {
                guard case .transport = error, attempt < client.configuration.maxRetries else {
                    if error.code == "NoSuchUpload", attempt > 0, let expectedCRC {
                        let info = try await head(key)
                        if info.crc64 == expectedCRC {
                            return WriteResult(etag: info.etag, crc64: info.crc64, requestId: info.requestId)
                        }
                    }
                    throw error
                }
                attempt += 1
            }
        }
    }

    static func readSlice(_ file: URL, offset: Int64, length: Int64) throws -> Data {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return try handle.read(upToCount: Int(length)) ?? Data()
    }
}

extension WriteResult {
    init(etag: String, crc64: UInt64?, requestId: String) {
        self.etag = etag
        self.crc64 = crc64
        self.requestId = requestId
        nextAppendPosition = nil
        callbackBody = nil
    }
}
