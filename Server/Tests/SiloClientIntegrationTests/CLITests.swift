import Foundation
import SiloClient
import SiloCore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The `silo` client commands, as separate processes: what a user or a script would run.
@Suite(.serialized) struct CLITests {
    static func run(_ arguments: [String], server: SiloServerProcess) throws -> Process {
        let process = Process()
        process.executableURL = SiloServerProcess.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SILO_ENDPOINT"] = server.endpoint.absoluteString
        environment["SILO_ACCESS_KEY_ID"] = SiloServerProcess.accessKeyId
        environment["SILO_ACCESS_KEY_SECRET"] = SiloServerProcess.accessKeySecret
        process.environment = environment
        return process
    }

    static func output(_ arguments: [String], server: SiloServerProcess) async throws -> (String, Int32) {
        try await output(try run(arguments, server: server))
    }

    /// Runs `process` to its end. The blocking reads and the wait happen on a thread of their own: on two
    /// cores the cooperative pool has two threads, and a test blocking one for a long `silo cp` stalls every
    /// other test (and their tokens expire while they wait).
    static func output(_ process: Process) async throws -> (String, Int32) {
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let box = UncheckedBox(process, pipe)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = box.pipe.fileHandleForReading.readDataToEndOfFile()
                box.process.waitUntilExit()
                continuation.resume(returning: (String(decoding: data, as: UTF8.self), box.process.terminationStatus))
            }
        }
    }

    /// Process and Pipe are not Sendable; each is used by one thread at a time here.
    struct UncheckedBox: @unchecked Sendable {
        let process: Process
        let pipe: Pipe
        init(_ process: Process, _ pipe: Pipe) {
            self.process = process
            self.pipe = pipe
        }
    }

    @Test func anUploaderKilledMidwayIsResumedByANewProcessSendingOnlyTheMissingParts() async throws {
        try await SiloServerProcess.with { server in
            // The first process goes through a proxy that holds each connection once it has carried five and a
            // half MiB: with two connections about ten of the 48 parts are stored and the rest wait, whether the
            // machine is idle or so loaded that this test's polling is starved for seconds (a pace of 1 MiB/s a
            // connection once let the whole upload end while a starved poll still waited for six). The second process
            // runs free through the same endpoint, which names its checkpoint.
            let partCount = 48
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            proxy.holdUploadsAfterBytes = 11 << 19
            let data = testBytes(partCount << 20, seed: 21)
            let file = try temporaryFile(data)
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("cli-ckpt-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: file)
                try? FileManager.default.removeItem(at: checkpoints)
            }
            let bucket = server.client(.v4).bucket("cli")
            try await bucket.create()
            let arguments = ["cp", file.path, "oss://cli/backup.bin", "--part-size", String(1 << 20), "--concurrency", "2",
                             "--checkpoint-dir", checkpoints.path, "--json"]

            let first = try Self.run(arguments, server: server)
            first.environment?["SILO_ENDPOINT"] = proxy.endpoint.absoluteString
            first.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try first.run()
            var uploadId: String?
            var stored: [UploadedPart] = []
            let deadline = Date().addingTimeInterval(120)
            while stored.count < 6, Date() < deadline {
                try await Task.sleep(nanoseconds: 5_000_000)
                if uploadId == nil { uploadId = try await bucket.listMultipartUploads().first?.uploadId }
                if let uploadId { stored = try await bucket.listParts("backup.bin", uploadId: uploadId) }
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            proxy.dropConnections()
            let uploadIdValue = try #require(uploadId, "the first process never started its upload")
            stored = try await ResumableTransferTests.settledParts(bucket, key: "backup.bin", uploadId: uploadIdValue)
            #expect(stored.count >= 6 && stored.count < partCount, "killed after several parts, before the end")

            // The killed copy is on record, unfinished, as an app's transfers are after a relaunch.
            let listing = try Self.run(["transfers", "list", "--checkpoint-dir", checkpoints.path, "--json"], server: server)
            let (listed, listStatus) = try await Self.output(listing)
            #expect(listStatus == 0, "\(listed)")
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])
            #expect(entry["kind"] as? String == "upload")
            #expect(entry["state"] as? String == "queued", "running when killed, so queued again")
            #expect(entry["key"] as? String == "backup.bin")

            proxy.holdUploadsAfterBytes = nil
            let second = try Self.run(arguments, server: server)
            second.environment?["SILO_ENDPOINT"] = proxy.endpoint.absoluteString
            let (text, status) = try await Self.output(second)
            #expect(status == 0, "\(text)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(report["parts_sent"] as? Int == partCount - stored.count)
            #expect((report["seconds"] as? Double).map { $0 > 0 } == true, "the transfer's own time is reported")
            #expect(report["crc64"] as? String == String(CRC64.checksum(data)))
            #expect(try await bucket.get("backup.bin") == data)
            let after = try await Self.output(["transfers", "list", "--checkpoint-dir", checkpoints.path], server: server)
            #expect(after.0.isEmpty, "a finished copy leaves no record: \(after.0)")
        }
    }

    @Test func aKilledCopyCanBeCancelledWhichAbortsItsParts() async throws {
        try await SiloServerProcess.with { server in
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            // Each connection is held once it has carried one and a half MiB: at most one part a connection is
            // stored, so the copy cannot end before the kill however starved this test's polling is.
            proxy.holdUploadsAfterBytes = 3 << 19
            let file = try temporaryFile(testBytes(16 << 20, seed: 22))
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("cli-ckpt-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: file)
                try? FileManager.default.removeItem(at: checkpoints)
            }
            let bucket = server.client(.v4).bucket("cli-cancel")
            try await bucket.create()
            let first = try Self.run(["cp", file.path, "oss://cli-cancel/big.bin", "--part-size", String(1 << 20),
                                      "--checkpoint-dir", checkpoints.path], server: server)
            first.environment?["SILO_ENDPOINT"] = proxy.endpoint.absoluteString
            first.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try first.run()
            // Killed once a part is stored, so its checkpoint is on disk: a process killed between initiating an
            // upload and writing the checkpoint leaves an upload nobody knows of (a lifecycle rule's
            // AbortMultipartUpload clears those).
            var uploadId: String?
            var stored: [UploadedPart] = []
            let deadline = Date().addingTimeInterval(120)
            while stored.isEmpty, Date() < deadline {
                try await Task.sleep(nanoseconds: 5_000_000)
                if uploadId == nil { uploadId = try await bucket.listMultipartUploads().first?.uploadId }
                if let uploadId { stored = try await bucket.listParts("big.bin", uploadId: uploadId) }
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            proxy.dropConnections()
            #expect(uploadId != nil, "the first process never started its upload")

            let environment = ["--checkpoint-dir", checkpoints.path, "--endpoint", proxy.endpoint.absoluteString]
            let (listed, _) = try await Self.output(["transfers", "list", "--json"] + environment, server: server)
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])
            let id = try #require(entry["id"] as? String)
            let (cancelled, status) = try await Self.output(["transfers", "cancel", id] + environment, server: server)
            #expect(status == 0, "\(cancelled)")
            #expect(try await bucket.listMultipartUploads().isEmpty, "the killed copy's parts are aborted")
            let (empty, _) = try await Self.output(["transfers", "list"] + environment, server: server)
            #expect(empty.isEmpty)
        }
    }

    @Test func commandsRoundTrip() async throws {
        try await SiloServerProcess.with { server in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tree-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try Data("alpha".utf8).write(to: folder.appendingPathComponent("a.txt"))
            try Data("beta".utf8).write(to: folder.appendingPathComponent("sub/b.txt"))

            #expect(try await Self.output(["mb", "oss://tree"], server: server).1 == 0)
            #expect(try await Self.output(["cp", "-r", folder.path, "oss://tree/docs"], server: server).1 == 0)
            let (listing, _) = try await Self.output(["ls", "-r", "oss://tree", "--json"], server: server)
            let keys = listing.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["key"] as? String
            }
            #expect(keys == ["docs/a.txt", "docs/sub/b.txt"])
            #expect(try await Self.output(["cat", "oss://tree/docs/sub/b.txt"], server: server).0 == "beta")
            let (url, _) = try await Self.output(["presign", "oss://tree/docs/a.txt", "--signature-version", "v1"], server: server)
            let (body, status) = try await PlainHTTP.send(URLRequest(url: URL(string: url.trimmingCharacters(in: .whitespacesAndNewlines))!))
            #expect(status == 200 && body == Data("alpha".utf8))
            let back = folder.appendingPathComponent("back")
            #expect(try await Self.output(["cp", "-r", "oss://tree/docs", back.path], server: server).1 == 0)
            #expect(try Data(contentsOf: back.appendingPathComponent("sub/b.txt")) == Data("beta".utf8))
            #expect(try await Self.output(["rm", "-r", "oss://tree/docs"], server: server).1 == 0)
            #expect(try await Self.output(["ls", "-r", "oss://tree"], server: server).0.isEmpty)
            let (error, code) = try await Self.output(["cat", "oss://tree/missing"], server: server)
            #expect(code != 0 && error.contains("NoSuchKey"))
        }
    }
}
