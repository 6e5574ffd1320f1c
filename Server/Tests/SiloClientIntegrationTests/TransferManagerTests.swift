import Foundation
import SiloClient
import SiloCore
import Testing

/// The transfer manager against a real server: named transfers that pause, resume, cancel, fail and retry,
/// survive a relaunch in a moved container, and share a concurrency bound.
@Suite(.serialized) struct TransferManagerTests {
    static let partSize: Int64 = 1 << 20

    /// A container folder with a store inside and a file of `size` bytes at `Documents/name`.
    struct Container {
        let root: URL
        var store: TransferStore { TransferStore(containerRoot: root, directory: "Library/SiloTransfers") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("Documents"), withIntermediateDirectories: true)
        }

        func file(_ name: String, bytes: Data) throws -> URL {
            let url = root.appendingPathComponent("Documents/\(name)")
            try bytes.write(to: url)
            return url
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static func manager(_ client: OSSClient, _ store: TransferStore, transfers: Int = 2) -> TransferManager {
        var configuration = TransferManager.Configuration(maxConcurrentTransfers: transfers)
        configuration.partSize = partSize
        return TransferManager(client: client, store: store, configuration: configuration)
    }

    /// Waits for the first update of `id` that satisfies `condition`.
    static func first(_ updates: AsyncStream<TransferSnapshot>, _ id: String,
                      where condition: (TransferSnapshot) -> Bool) async -> TransferSnapshot? {
        for await update in updates where update.id == id && condition(update) { return update }
        return nil
    }

    static func uploadParts() -> CountingMiddleware {
        CountingMiddleware { request in request.method == .put ? request.query["partNumber"] : nil }
    }

    @Test func uploadsAndDownloadsRunToCompletionWithTheirIds() async throws {
        try await SiloServerProcess.with { server in
            let container = try Container()
            defer { container.remove() }
            let data = testBytes(5 << 20 + 123, seed: 3)
            let file = try container.file("photo.jpg", bytes: data)
            let client = server.client(.v4)
            try await client.bucket("album").create()
            let manager = Self.manager(client, container.store)

            let model = await ObservableTransfers(manager)
            let queued = try await manager.upload(file, bucket: "album", key: "u/photo.jpg", id: "photo-1",
                                                  options: ObjectOptions(contentType: "image/jpeg"))
            #expect(queued.id == "photo-1")
            let uploaded = try await manager.wait(for: "photo-1")
            #expect(uploaded.state == .completed)
            let head = try await client.bucket("album").head("u/photo.jpg")
            #expect(uploaded.etag == head.etag)
            #expect(head.contentType == "image/jpeg")
            #expect(uploaded.progress.bytesTransferred == Int64(data.count))

            let copy = container.root.appendingPathComponent("Documents/copy.jpg")
            try await manager.download(bucket: "album", key: "u/photo.jpg", to: copy, id: "photo-1-copy")
            let downloaded = try await manager.wait(for: "photo-1-copy")
            #expect(downloaded.state == .completed)
            #expect(try Data(contentsOf: copy) == data)
            let progress = try await manager.progress(for: "photo-1-copy")
            #expect(progress.completedUnitCount == Int64(data.count))
            #expect(await manager.list().map(\.id) == ["photo-1", "photo-1-copy"])
            // SwiftUI's model follows the same transfers.
            for _ in 0..<100 where await model.transfers.map(\.state) != [.completed, .completed] {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await model.transfers.map(\.id) == ["photo-1", "photo-1-copy"])
            #expect(await model.transfers.map(\.state) == [.completed, .completed])

            // The same id for the same transfer is that transfer; for another one it is refused.
            let again = try await manager.upload(file, bucket: "album", key: "u/photo.jpg", id: "photo-1")
            #expect(again.state == .completed)
            await #expect(throws: OSSClientError.self) {
                try await manager.upload(file, bucket: "album", key: "u/other.jpg", id: "photo-1")
            }
        }
    }

    @Test func pausingKeepsTheFinishedPartsAndResumingSendsOnlyTheRest() async throws {
        try await SiloServerProcess.with { server in
            let container = try Container()
            defer { container.remove() }
            let data = testBytes(16 << 20, seed: 5)
            let file = try container.file("clip.mp4", bytes: data)
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            // Each of the three parts' connections carries two and a half MiB and is then held: some parts are
            // stored and the rest still running at the pause, however long the machine takes to get there.
            proxy.holdUploadsAfterBytes = 5 << 19
            let parts = Self.uploadParts()
            let client = server.client(.v4, via: proxy, middlewares: [parts])
            try await server.client(.v4).bucket("clips").create()
            let manager = Self.manager(client, container.store)
            let updates = manager.updates()

            try await manager.upload(file, bucket: "clips", key: "clip.mp4", id: "clip")
            _ = await Self.first(updates, "clip") { $0.progress.bytesTransferred >= 4 << 20 }
            // Foundation's Progress drives the transfer too.
            try await manager.progress(for: "clip").pause()
            let paused = await Self.first(updates, "clip") { $0.state == .paused }
            #expect(paused != nil)
            #expect(try await manager.wait(for: "clip").state == .paused)
            // Bytes the proxy still holds would otherwise reach the server after the pause.
            proxy.dropConnections()
            let onDisk = try #require(FileManager.default.contentsOfDirectory(atPath: container.store.directory
                .appendingPathComponent("checkpoints").path).first)
            #expect(onDisk.hasSuffix(".upload.json"), "the checkpoint is kept while paused")

            let pending = try await server.client(.v4).bucket("clips").listMultipartUploads()
            let stored = try await ResumableTransferTests.settledParts(server.client(.v4).bucket("clips"), key: "clip.mp4",
                                                                       uploadId: try #require(pending.first).uploadId)
            #expect(!stored.isEmpty && stored.count < 16)
            let sentBefore = parts.seen.count

            proxy.holdUploadsAfterBytes = nil
            try await manager.resume("clip")
            let done = try await manager.wait(for: "clip")
            #expect(done.state == .completed)
            #expect(parts.seen.count - sentBefore == 16 - stored.count, "only the missing parts are sent again")
            let info = try await server.client(.v4).bucket("clips").head("clip.mp4")
            #expect(info.crc64 == CRC64.checksum(data))
            #expect(try await server.client(.v4).bucket("clips").listMultipartUploads().isEmpty)
        }
    }

    @Test func cancellingAbortsTheUploadAndForgetsTheTransfer() async throws {
        try await SiloServerProcess.with { server in
            let container = try Container()
            defer { container.remove() }
            let file = try container.file("big.bin", bytes: testBytes(12 << 20, seed: 9))
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            // Each part's connection carries a MiB and a half, then is held: the upload is still running when it is
            // cancelled, and the abort, on a connection of its own, gets through.
            proxy.holdUploadsAfterBytes = 3 << 19
            let client = server.client(.v4, via: proxy)
            let bucket = server.client(.v4).bucket("cancel")
            try await bucket.create()
            let manager = Self.manager(client, container.store)
            let updates = manager.updates()

            try await manager.upload(file, bucket: "cancel", key: "big.bin", id: "big")
            _ = await Self.first(updates, "big") { $0.progress.bytesTransferred >= 2 << 20 }
            try await manager.cancel("big")
            let cancelled = await Self.first(updates, "big") { $0.state == .cancelled }
            #expect(cancelled != nil)
            #expect(await manager.list().isEmpty)
            #expect(try await bucket.listMultipartUploads().isEmpty, "the parts on the server are aborted")
            let checkpoints = (try? FileManager.default.contentsOfDirectory(
                atPath: container.store.directory.appendingPathComponent("checkpoints").path)) ?? []
            #expect(checkpoints.isEmpty)
            let records = (try? FileManager.default.contentsOfDirectory(
                atPath: container.store.directory.appendingPathComponent("transfers").path)) ?? []
            #expect(records.isEmpty)
            await #expect(throws: OSSClientError.self) { try await manager.resume("big") }
        }
    }

    @Test func aFailedTransferReportsItsErrorAndSucceedsWhenRetried() async throws {
        try await SiloServerProcess.with { server in
            let container = try Container()
            defer { container.remove() }
            let file = try container.file("note.txt", bytes: Data("hello".utf8))
            let client = server.client(.v4)
            let manager = Self.manager(client, container.store)

            try await manager.upload(file, bucket: "later", key: "note.txt", id: "note")
            await #expect {
                _ = try await manager.wait(for: "note")
            } throws: { error in
                (error as? OSSClientError)?.code == "NoSuchBucket"
            }
            let failed = try #require(await manager.transfer("note"))
            #expect(failed.state == .failed)
            #expect(failed.failure?.contains("NoSuchBucket") == true)

            try await client.bucket("later").create()
            try await manager.resume("note")
            #expect(try await manager.wait(for: "note").state == .completed)
            #expect(try await client.bucket("later").get("note.txt") == Data("hello".utf8))
        }
    }

    /// A relaunch: the first manager is gone with one transfer paused and one queued; the container moved (as
    /// iOS does on an app update). The next launch lists both at their new paths and finishes them.
    @Test func aRelaunchInAMovedContainerListsAndFinishesWhatWasUnfinished() async throws {
        try await SiloServerProcess.with { server in
            let first = try Container()
            let data = testBytes(6 << 20, seed: 11)
            let small = Data("queued".utf8)
            let file = try first.file("movie.mov", bytes: data)
            let other = try first.file("queued.txt", bytes: small)
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            // Each part's connection carries a MiB and a half, then is held: the movie is still running when it is
            // paused.
            proxy.holdUploadsAfterBytes = 3 << 19
            try await server.client(.v4).bucket("relaunch").create()
            do {
                let manager = Self.manager(server.client(.v4, via: proxy), first.store, transfers: 1)
                let updates = manager.updates()
                try await manager.upload(file, bucket: "relaunch", key: "movie.mov", id: "movie")
                try await manager.upload(other, bucket: "relaunch", key: "queued.txt", id: "queued")
                _ = await Self.first(updates, "movie") { $0.progress.bytesTransferred >= 3 << 20 }
                try await manager.pause("queued")
                try await manager.pause("movie")
                _ = try await manager.wait(for: "movie")
            }

            let moved = FileManager.default.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
            try FileManager.default.moveItem(at: first.root, to: moved)
            defer { try? FileManager.default.removeItem(at: moved) }
            // Bytes the proxy still holds for the paused parts would otherwise reach the server once it lets go.
            proxy.dropConnections()
            proxy.holdUploadsAfterBytes = nil
            // The same endpoint: checkpoints belong to the service they were made with.
            let parts = Self.uploadParts()
            let relaunched = Self.manager(server.client(.v4, via: proxy, middlewares: [parts]),
                                          TransferStore(containerRoot: moved, directory: "Library/SiloTransfers"))
            let listed = await relaunched.restore()
            #expect(listed.map(\.id) == ["movie", "queued"])
            #expect(listed.map(\.state) == [.paused, .paused])
            #expect(listed.first?.file.path == moved.appendingPathComponent("Documents/movie.mov").path)
            try await relaunched.resume("movie")
            try await relaunched.resume("queued")
            #expect(try await relaunched.wait(for: "movie").state == .completed)
            #expect(try await relaunched.wait(for: "queued").state == .completed)
            #expect(parts.seen.count < 6, "the relaunch continued from the checkpoint (\(parts.seen.count) of 6 parts sent)")
            let bucket = server.client(.v4).bucket("relaunch")
            #expect(try await bucket.head("movie.mov").crc64 == CRC64.checksum(data))
            #expect(try await bucket.get("queued.txt") == small)
        }
    }

    @Test func noMoreTransfersRunAtOnceThanConfigured() async throws {
        try await SiloServerProcess.with { server in
            let container = try Container()
            defer { container.remove() }
            let client = server.client(.v4)
            try await client.bucket("bounded").create()
            let manager = Self.manager(client, container.store, transfers: 2)
            let updates = manager.updates()
            let ids = (1...5).map { "file-\($0)" }
            let watcher = Task {
                var running: Set<String> = []
                var widest = 0
                var finished: Set<String> = []
                for await update in updates {
                    if update.state == .running { running.insert(update.id) } else { running.remove(update.id) }
                    widest = max(widest, running.count)
                    if update.state == .completed { finished.insert(update.id) }
                    if finished.count == ids.count { break }
                }
                return widest
            }
            for (index, id) in ids.enumerated() {
                let file = try container.file("\(id).bin", bytes: testBytes(3 << 20, seed: UInt64(index + 1)))
                try await manager.upload(file, bucket: "bounded", key: "\(id).bin", id: id)
            }
            for id in ids { #expect(try await manager.wait(for: id).state == .completed) }
            #expect(await watcher.value == 2)
        }
    }
}
