import Foundation
import SiloClient
import SiloCore
import Testing

/// Resumable upload and download against a real server, through cancellation and cut connections.
@Suite(.serialized) struct ResumableTransferTests {
    static let partSize: Int64 = 1 << 20

    static func options(_ directory: URL) -> ResumableUploadOptions {
        var options = ResumableUploadOptions(checkpointDirectory: directory)
        options.partSize = partSize
        options.concurrency = 3
        return options
    }

    static func uploadParts() -> CountingMiddleware {
        CountingMiddleware { request in
            request.query["partNumber"].flatMap { request.method == .put ? $0 : nil }
        }
    }

    /// The parts once the server has finished what the cancelled client had already put on the wire (a part
    /// whose bytes all left before the cancel is still stored a moment later, and the resume rightly keeps it).
    static func settledParts(_ bucket: Bucket, key: String, uploadId: String) async throws -> [UploadedPart] {
        var previous = try await bucket.listParts(key, uploadId: uploadId)
        for _ in 0..<50 {
            try await Task.sleep(nanoseconds: 200_000_000)
            let current = try await bucket.listParts(key, uploadId: uploadId)
            if current == previous { return current }
            previous = current
        }
        throw TestFailure("the part list never settled")
    }

    /// Starts a resumable upload, cancels it once 4 MiB went out, and answers the parts storage settled on.
    static func cancelPartWay(_ bucket: Bucket, key: String, file: URL, options: ResumableUploadOptions) async throws
        -> [UploadedPart] {
        let progress = TransferProgress.Reporter(minimumInterval: .zero)
        let upload = Task { try await bucket.resumableUpload(key, file: file, options: options, progress: progress) }
        for await update in progress.updates where update.bytesTransferred >= 4 << 20 {
            upload.cancel()
            break
        }
        _ = await upload.result
        let pending = try await bucket.listMultipartUploads().filter { $0.key == key }
        return try await settledParts(bucket, key: key, uploadId: try #require(pending.first).uploadId)
    }

    @Test(arguments: SignatureVersion.allCases)
    func cancelledUploadResumesWithOnlyTheMissingParts(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
            let data = testBytes(24 << 20, seed: 7)
            let file = try temporaryFile(data)
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: file)
                try? FileManager.default.removeItem(at: checkpoints)
            }
            let bucket = server.client(version).bucket("resume-\(version.rawValue)")
            try await bucket.create()

            // First attempt: cancelled once about a third of the bytes went out.
            let progress = TransferProgress.Reporter(minimumInterval: .zero)
            let first = Task { try await bucket.resumableUpload("video.mp4", file: file, options: Self.options(checkpoints),
                                                                progress: progress) }
            for await update in progress.updates where update.bytesTransferred >= 8 << 20 {
                first.cancel()
                break
            }
            let outcome = await first.result
            guard case .failure(let error) = outcome, error as? OSSClientError == .cancelled else {
                Issue.record("the upload was not cancelled: \(outcome)")
                return
            }
            let checkpointFiles = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path)
            #expect(checkpointFiles.count == 1, "the checkpoint survives the cancellation")
            let uploads = try await bucket.listMultipartUploads()
            #expect(uploads.count == 1)
            let stored = try await Self.settledParts(bucket, key: "video.mp4", uploadId: uploads[0].uploadId)
            #expect(!stored.isEmpty && stored.count < 24)

            // Second attempt, a new client with the same checkpoint directory: only the missing parts travel.
            let counter = Self.uploadParts()
            let again = server.client(version, middlewares: [counter]).bucket(bucket.name)
            let result = try await again.resumableUpload("video.mp4", file: file, options: Self.options(checkpoints))
            let sent = Set(counter.seen.compactMap { Int($0) })
            #expect(sent == Set(1...24).subtracting(stored.map(\.partNumber)))
            #expect(result.crc64 == CRC64.checksum(data))
            #expect(try await bucket.get("video.mp4") == data)
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).isEmpty)
            #expect(try await bucket.listMultipartUploads().isEmpty)
        }
    }

    /// A 203 CallbackFailed on complete means stored, callback not delivered. Calling again (as an app does after an
    /// error) finds the upload completed and the object holding exactly the checkpoint's parts, and returns it
    /// without sending the file again (it used to meet NoSuchUpload and upload everything anew).
    @Test func aCallbackFailedCompleteIsNotUploadedAgain() async throws {
        try await SiloServerProcess.with { server in
            let data = testBytes(5 << 20 + 123, seed: 17)
            let file = try temporaryFile(data)
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: file)
                try? FileManager.default.removeItem(at: checkpoints)
            }
            let bucket = server.client(.v4, middlewares: [CallbackFailsOnComplete()]).bucket("callback-failed")
            try await bucket.create()
            do {
                _ = try await bucket.resumableUpload("clip.mov", file: file, options: Self.options(checkpoints))
                Issue.record("the complete's 203 was not reported")
            } catch let error as OSSClientError {
                #expect(error.code == "CallbackFailed")
            }
            #expect(try await bucket.get("clip.mov") == data, "storage kept the object")

            let counter = Self.uploadParts()
            let again = server.client(.v4, middlewares: [counter]).bucket(bucket.name)
            let result = try await again.resumableUpload("clip.mov", file: file, options: Self.options(checkpoints))
            #expect(counter.seen.isEmpty, "parts sent again: \(counter.seen)")
            #expect(result.crc64 == CRC64.checksum(data))
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).isEmpty)
        }
    }

    /// iOS moves an app's container between launches (its absolute path changes): an upload cancelled in one
    /// container resumes from the other, sending only the missing parts, because checkpoints are not named by the
    /// file's full path. A transfer id names a checkpoint whatever the file is called.
    @Test func anUploadResumesAfterTheAppsContainerMoved() async throws {
        try await SiloServerProcess.with { server in
            let data = testBytes(12 << 20, seed: 19)
            let fileManager = FileManager.default
            let before = fileManager.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
            let after = fileManager.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
            let checkpoints = fileManager.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
            defer { for folder in [before, after, checkpoints] { try? fileManager.removeItem(at: folder) } }
            try fileManager.createDirectory(at: before, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: after, withIntermediateDirectories: true)
            let original = before.appendingPathComponent("Documents-video.mp4")
            try data.write(to: original)
            let bucket = server.client(.v4).bucket("moved-container")
            try await bucket.create()
            var options = Self.options(checkpoints)
            options.concurrency = 1
            let stored = try await Self.cancelPartWay(bucket, key: "v.mp4", file: original, options: options)
            #expect(!stored.isEmpty && stored.count < 12)

            let moved = after.appendingPathComponent("Documents-video.mp4")
            try fileManager.moveItem(at: original, to: moved)  // a rename keeps the modification date, as iOS does
            let counter = Self.uploadParts()
            let again = server.client(.v4, middlewares: [counter]).bucket(bucket.name)
            let result = try await again.resumableUpload("v.mp4", file: moved, options: options)
            #expect(Set(counter.seen.compactMap { Int($0) }) == Set(1...12).subtracting(stored.map(\.partNumber)))
            #expect(result.crc64 == CRC64.checksum(data))
            #expect(try await bucket.listMultipartUploads().isEmpty)

            // With a transfer id, the checkpoint follows the id even when the file is renamed.
            var named = options
            named.transferId = "upload-42"
            let kept = try await Self.cancelPartWay(bucket, key: "w.mp4", file: moved, options: named)
            let renamed = after.appendingPathComponent("IMG_0001.mov")
            try fileManager.moveItem(at: moved, to: renamed)
            let counter2 = Self.uploadParts()
            _ = try await server.client(.v4, middlewares: [counter2]).bucket(bucket.name)
                .resumableUpload("w.mp4", file: renamed, options: named)
            #expect(Set(counter2.seen.compactMap { Int($0) }) == Set(1...12).subtracting(kept.map(\.partNumber)))
            #expect(try fileManager.contentsOfDirectory(atPath: checkpoints.path).isEmpty)
        }
    }

    @Test func cutConnectionsStillProduceTheRightObject() async throws {
        try await SiloServerProcess.with { server in
            // Every third connection dies after 300 KB of request bytes: mid-part.
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { index in
                index % 3 == 1 ? FaultProxy.Cut(afterUploadBytes: 300_000) : nil
            }
            defer { proxy.stop() }
            let data = testBytes(12 << 20, seed: 8)
            let file = try temporaryFile(data)
            defer { try? FileManager.default.removeItem(at: file) }
            let bucket = server.client(.v4, via: proxy) { $0.maxRetries = 4 }.bucket("faulty")
            try await bucket.create()
            var options = Self.options(FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)"))
            options.concurrency = 4
            let result = try await bucket.resumableUpload("clip.mov", file: file, options: options)
            #expect(proxy.cutCount > 0, "the proxy must actually have cut connections")
            #expect(result.crc64 == CRC64.checksum(data))
            let direct = server.client(.v4).bucket("faulty")
            #expect(try await direct.get("clip.mov") == data)
        }
    }

    @Test func resumableDownloadInParallelThroughCutConnections() async throws {
        try await SiloServerProcess.with { server in
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { index in
                index % 4 == 2 ? FaultProxy.Cut(afterDownloadBytes: 400_000) : nil
            }
            defer { proxy.stop() }
            let data = testBytes(9 << 20 + 12_345, seed: 9)
            let direct = server.client(.v1).bucket("downloads")
            try await direct.create()
            _ = try await direct.put("movie.bin", data: data)

            let bucket = server.client(.v1, via: proxy) { $0.maxRetries = 4 }.bucket("downloads")
            let target = FileManager.default.temporaryDirectory.appendingPathComponent("dl-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: target) }
            var options = ResumableDownloadOptions(
                checkpointDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("dl-ckpt-\(UUID().uuidString)"))
            options.partSize = 1 << 20
            options.concurrency = 4
            let progress = TransferProgress.Reporter(minimumInterval: .zero)
            let collector = Task {
                var last: Int64 = -1
                var monotonic = true
                for await update in progress.updates {
                    monotonic = monotonic && update.bytesTransferred >= last
                    last = update.bytesTransferred
                }
                return (last, monotonic)
            }
            let info = try await bucket.resumableDownload("movie.bin", to: target, options: options, progress: progress)
            #expect(info.size == Int64(data.count))
            #expect(try Data(contentsOf: target) == data)
            #expect(proxy.cutCount > 0)
            let (last, monotonic) = await collector.value
            #expect(last == Int64(data.count))
            #expect(monotonic)
        }
    }

    /// Starts a 20 MiB download in 1 MiB parts, cancels it once 6 MiB arrived, and answers the parts its
    /// checkpoint holds; nothing is at the target yet.
    static func cancelDownloadPartWay(_ bucket: Bucket, key: String, to target: URL, options: ResumableDownloadOptions)
        async throws -> Set<Int> {
        let progress = TransferProgress.Reporter(minimumInterval: .zero)
        let first = Task { try await bucket.resumableDownload(key, to: target, options: options, progress: progress) }
        for await update in progress.updates where update.bytesTransferred >= 6 << 20 {
            first.cancel()
            break
        }
        guard case .failure = await first.result else { throw TestFailure("the download was not cancelled") }
        #expect(!FileManager.default.fileExists(atPath: target.path), "nothing appears at the target until complete")
        let saved = try FileManager.default.contentsOfDirectory(at: try #require(options.checkpointDirectory),
                                                                includingPropertiesForKeys: nil)
        #expect(saved.count == 1)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: saved[0])) as? [String: Any])
        return Set((record["completedParts"] as? [Int]) ?? [])
    }

    /// Resumes the download and answers the 1 MiB parts it fetched.
    static func resumeDownload(_ server: SiloServerProcess, bucket: String, key: String, to target: URL,
                               options: ResumableDownloadOptions) async throws -> Set<Int> {
        let ranges = CountingMiddleware { request in request.header("Range") }
        _ = try await server.client(.v4, middlewares: [ranges]).bucket(bucket).resumableDownload(key, to: target,
                                                                                                 options: options)
        return Set(ranges.seen.compactMap { range -> Int? in
            Int(range.dropFirst("bytes=".count).prefix { $0 != "-" }).map { $0 >> 20 }
        })
    }

    static func downloadOptions(_ checkpoints: URL) -> ResumableDownloadOptions {
        var options = ResumableDownloadOptions(checkpointDirectory: checkpoints)
        options.partSize = 1 << 20
        options.concurrency = 2
        return options
    }

    /// Stores 20 MiB as `film.bin` in a new bucket and runs `body` with it, the file a download of it goes to
    /// and that download's options; the file, its partial file and the checkpoints are removed afterwards.
    static func withStoredFilm(_ server: SiloServerProcess, bucket name: String, seed: UInt64,
                               _ body: (Bucket, Data, URL, ResumableDownloadOptions) async throws -> Void) async throws {
        let data = testBytes(20 << 20, seed: seed)
        let bucket = server.client(.v4).bucket(name)
        try await bucket.create()
        _ = try await bucket.put("film.bin", data: data)
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("film-\(UUID().uuidString).bin")
        let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("dl-ckpt-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: target)
            try? FileManager.default.removeItem(at: Self.partialFile(of: target))
            try? FileManager.default.removeItem(at: checkpoints)
        }
        try await body(bucket, data, target, downloadOptions(checkpoints))
    }

    /// Where a resumable download gathers its bytes before the rename.
    static func partialFile(of target: URL) -> URL {
        target.deletingLastPathComponent().appendingPathComponent("." + target.lastPathComponent + ".silo-part")
    }

    @Test func aCancelledDownloadResumesWithOnlyTheMissingRanges() async throws {
        try await SiloServerProcess.with { server in
            try await Self.withStoredFilm(server, bucket: "dl-resume", seed: 12) { bucket, data, target, options in
                let done = try await Self.cancelDownloadPartWay(bucket, key: "film.bin", to: target, options: options)
                #expect(done.count >= 4 && done.count < 20)
                let fetched = try await Self.resumeDownload(server, bucket: "dl-resume", key: "film.bin", to: target,
                                                            options: options)
                #expect(fetched == Set(0..<20).subtracting(done), "only the ranges the checkpoint lacked travel again")
                #expect(try Data(contentsOf: target) == data)
            }
        }
    }

    /// The parts a process writes itself are not read back, but the parts an earlier process left are: one
    /// damaged on disk between the two runs travels again.
    @Test func aPartDamagedOnDiskBeforeTheResumeIsFetchedAgain() async throws {
        try await SiloServerProcess.with { server in
            try await Self.withStoredFilm(server, bucket: "dl-damaged", seed: 13) { bucket, data, target, options in
                let done = try await Self.cancelDownloadPartWay(bucket, key: "film.bin", to: target, options: options)
                let damaged = try #require(done.sorted().last)
                let handle = try FileHandle(forWritingTo: Self.partialFile(of: target))
                try handle.seek(toOffset: UInt64(damaged << 20) + 1000)
                try handle.write(contentsOf: Data(repeating: 0xEE, count: 64))
                try handle.close()

                let fetched = try await Self.resumeDownload(server, bucket: "dl-damaged", key: "film.bin", to: target,
                                                            options: options)
                #expect(fetched == Set(0..<20).subtracting(done).union([damaged]))
                #expect(try Data(contentsOf: target) == data)
            }
        }
    }

    @Test func aChangedFileRestartsTheUploadCleanly() async throws {
        try await SiloServerProcess.with { server in
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
            let file = try temporaryFile(testBytes(6 << 20, seed: 10))
            defer { try? FileManager.default.removeItem(at: file) }
            let bucket = server.client(.v4).bucket("changes")
            try await bucket.create()
            let progress = TransferProgress.Reporter(minimumInterval: .zero)
            let first = Task { try await bucket.resumableUpload("doc.bin", file: file, options: Self.options(checkpoints),
                                                                progress: progress) }
            for await update in progress.updates where update.bytesTransferred >= 2 << 20 {
                first.cancel()
                break
            }
            _ = await first.result
            let abandoned = try await bucket.listMultipartUploads().map(\.uploadId)
            #expect(abandoned.count == 1)

            let changed = testBytes(6 << 20, seed: 11)
            try changed.write(to: file)
            let result = try await bucket.resumableUpload("doc.bin", file: file, options: Self.options(checkpoints))
            #expect(result.crc64 == CRC64.checksum(changed))
            #expect(try await bucket.get("doc.bin") == changed)
            #expect(try await bucket.listMultipartUploads().isEmpty, "the stale upload is aborted, not left behind")
        }
    }
}

/// Lets CompleteMultipartUpload reach storage, then answers as OSS does when the upload callback failed: 203
/// CallbackFailed, the object stored.
struct CallbackFailsOnComplete: ClientMiddleware {
    func handle(_ request: ClientRequest, next: @Sendable (ClientRequest) async throws -> TransportResponse) async throws
        -> TransportResponse {
        let response = try await next(request)
        guard request.method == .post, request.query["uploadId"] != nil else { return response }
        throw OSSClientError.server(status: 203, code: "CallbackFailed", message: "Error status : 502.", requestId: "r", ec: nil)
    }
}
