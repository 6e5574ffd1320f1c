import Foundation
import SiloClient
import SiloCore
import Testing

/// Background transfers on Linux, where the test plays the operating system: a ``BackgroundTaskSystem`` carries
/// the tasks while the app side (transport, client, transfer manager) is killed and relaunched. A kill is
/// `detach()` plus a copy of the app's files taken at that moment (what a process that dies leaves on disk);
/// the relaunched app starts from the copy, as a new process would.
@Suite(.serialized) struct BackgroundTransferTests {
    struct App {
        let transport: BackgroundTransport
        let manager: TransferManager
    }

    static func launch(_ system: BackgroundTaskSystem, container: URL, endpoint: URL) -> App {
        let transport = BackgroundTransport(system: system, directory: container.appendingPathComponent("Library/Background"))
        var configuration = ClientConfiguration()
        configuration.signatureVersion = .v4
        let client = OSSClient(endpoint: endpoint, region: SiloServerProcess.region,
                               credentials: StaticCredentialsProvider(accessKeyId: SiloServerProcess.accessKeyId,
                                                                      accessKeySecret: SiloServerProcess.accessKeySecret),
                               configuration: configuration, transport: transport)
        var settings = TransferManager.Configuration()
        settings.partSize = 1 << 20
        let manager = TransferManager(client: client, store: TransferStore(containerRoot: container, directory: "Library/Transfers"),
                                      configuration: settings)
        return App(transport: transport, manager: manager)
    }

    /// Kills the app: what it wrote so far is copied to a new container (the files a new process finds), and
    /// the system forgets the app but not its tasks.
    static func kill(_ system: BackgroundTaskSystem, container: URL) throws -> URL {
        let image = FileManager.default.temporaryDirectory.appendingPathComponent("relaunch-\(UUID().uuidString)")
        // `cp -a` keeps modification times: the same files, as the relaunched process finds them.
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", container.path, image.path]
        try copy.run()
        copy.waitUntilExit()
        system.detach()
        return image
    }

    /// Waits until the system runs at least one of the app's tasks. The proxy holds each connection once it has
    /// carried `held` bytes, less than a part, so the tasks are still running when the test kills or suspends the
    /// app, however long that takes on a loaded machine (a pace of 256 KiB/s once let three parts finish between
    /// this wait and the kill).
    static func waitUntilRunning(_ system: BackgroundTaskSystem, _ transport: BackgroundTransport) async throws {
        for _ in 0..<3000 {
            if transport.activity.started > 0, await system.runningTaskCount() > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("the app never started a task in the system")
    }

    /// A connection's small requests (initiate, HEAD) pass; no 1 MiB part or range does.
    static let held = 64 << 10

    static func settle(_ system: BackgroundTaskSystem) async throws {
        let probe = BackgroundTransportProbe(system)
        for _ in 0..<600 where try await probe.running() > 0 { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func aKilledAppsUploadGoesOnAndTheRelaunchedAppFinishesIt() async throws {
        try await SiloServerProcess.with { server in
            let container = try TransferManagerTests.Container().root
            let data = testBytes(8 << 20, seed: 41)
            let file = container.appendingPathComponent("Documents/video.mov")
            try data.write(to: file)
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            proxy.holdUploadsAfterBytes = Self.held
            try await server.client(.v4).bucket("background").create()
            let system = BackgroundTaskSystem(identifier: "test-\(UUID().uuidString)")

            let first = Self.launch(system, container: container, endpoint: proxy.endpoint)
            try await first.manager.upload(file, bucket: "background", key: "video.mov", id: "video")
            try await Self.waitUntilRunning(system, first.transport)
            let image = try Self.kill(system, container: container)
            defer {
                try? FileManager.default.removeItem(at: container)
                try? FileManager.default.removeItem(at: image)
            }
            let inFlight = first.transport.activity.started
            let runningAtKill = await system.runningTaskCount()
            #expect(runningAtKill > 0, "parts were running in the system when the app died")

            // The relaunch comes while the killed app's parts are still going; the app delegate hands over its
            // completion handler first, as UIKit does.
            let handled = Flag()
            system.handleEvents { handled.raise() }
            proxy.holdUploadsAfterBytes = nil
            let second = Self.launch(system, container: image, endpoint: proxy.endpoint)
            let listed = await second.manager.restore()
            #expect(listed.map(\.state) == [.running], "the transfer that was running is running again")
            let done = try await second.manager.wait(for: "video")
            #expect(done.state == .completed)
            let info = try await server.client(.v4).bucket("background").head("video.mov")
            #expect(info.crc64 == CRC64.checksum(data))
            let activity = second.transport.activity
            print("background upload: \(inFlight) parts started before the kill, \(runningAtKill) running at it; after the relaunch \(activity)")
            // Every part went up once: the killed app's parts were either stored (and kept after listing the
            // upload's parts) or still running (and joined), never sent again.
            #expect(inFlight + activity.started == 8, "each part started once: \(activity), \(inFlight) before the kill")
            try await Self.settle(system)
            for _ in 0..<100 where !handled.isRaised { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// Suspended, the app hears nothing while its parts finish in the system; woken, it hears them all and goes on
    /// in the same process without sending any part twice.
    @Test func aSuspendedAppsPartsFinishAndItContinuesWhenWoken() async throws {
        try await SiloServerProcess.with { server in
            let container = try TransferManagerTests.Container().root
            defer { try? FileManager.default.removeItem(at: container) }
            let data = testBytes(6 << 20, seed: 47)
            let file = container.appendingPathComponent("Documents/burst.heic")
            try data.write(to: file)
            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            proxy.holdUploadsAfterBytes = Self.held
            try await server.client(.v4).bucket("suspend").create()
            let system = BackgroundTaskSystem(identifier: "test-\(UUID().uuidString)")
            let app = Self.launch(system, container: container, endpoint: proxy.endpoint)

            try await app.manager.upload(file, bucket: "suspend", key: "burst.heic", id: "burst")
            try await Self.waitUntilRunning(system, app.transport)
            system.suspendApp()
            let runningAtSuspension = await system.runningTaskCount()
            #expect(runningAtSuspension > 0)
            proxy.holdUploadsAfterBytes = nil
            try await Self.settle(system)
            let pending = try await server.client(.v4).bucket("suspend").listMultipartUploads()
            let stored = try await server.client(.v4).bucket("suspend").listParts("burst.heic", uploadId: try #require(pending.first).uploadId)
            #expect(stored.count >= runningAtSuspension, "the parts finished while the app was suspended")
            #expect(await app.manager.transfer("burst")?.state == .running, "the app has not heard yet")

            let handled = Flag()
            system.handleEvents { handled.raise() }
            system.resumeApp()
            let done = try await app.manager.wait(for: "burst")
            #expect(done.state == .completed)
            #expect(try await server.client(.v4).bucket("suspend").head("burst.heic").crc64 == CRC64.checksum(data))
            #expect(app.transport.activity.started == 6, "each part went up once: \(app.transport.activity)")
            for _ in 0..<100 where !handled.isRaised { try await Task.sleep(for: .milliseconds(20)) }
            #expect(handled.isRaised)
        }
    }

    @Test func partsThatEndedWhileTheAppWasDeadAreAnsweredFromTheLedger() async throws {
        try await SiloServerProcess.with { server in
            let container = try TransferManagerTests.Container().root
            let data = testBytes(6 << 20, seed: 43)
            let bucket = server.client(.v4).bucket("background-down")
            try await bucket.create()
            _ = try await bucket.put("clip.bin", data: data)
            let system = BackgroundTaskSystem(identifier: "test-\(UUID().uuidString)")
            let target = container.appendingPathComponent("Documents/clip.bin")

            let proxy = try FaultProxy(upstreamPort: server.endpoint.port!) { _ in nil }
            defer { proxy.stop() }
            proxy.holdDownloadsAfterBytes = Self.held
            let first = Self.launch(system, container: container, endpoint: proxy.endpoint)
            try await first.manager.download(bucket: "background-down", key: "clip.bin", to: target, id: "clip")
            try await Self.waitUntilRunning(system, first.transport)
            let image = try Self.kill(system, container: container)
            defer {
                try? FileManager.default.removeItem(at: container)
                try? FileManager.default.removeItem(at: image)
            }
            // The system finishes what it was given while no app is there to hear it.
            proxy.holdDownloadsAfterBytes = nil
            try await Self.settle(system)
            let handled = Flag()
            system.handleEvents { handled.raise() }

            let second = Self.launch(system, container: image, endpoint: proxy.endpoint)
            for _ in 0..<100 where !handled.isRaised { try await Task.sleep(for: .milliseconds(20)) }
            #expect(handled.isRaised, "the app delegate's completion handler is called once the events are heard")
            await second.manager.restore()
            let done = try await second.manager.wait(for: "clip")
            #expect(done.state == .completed)
            #expect(try Data(contentsOf: image.appendingPathComponent("Documents/clip.bin")) == data)
            #expect(second.transport.activity.answeredFromLedger > 0, "\(second.transport.activity)")
        }
    }
}

/// Counts the system's running tasks from outside, as a test watching the "operating system" would.
struct BackgroundTransportProbe {
    let system: BackgroundTaskSystem
    init(_ system: BackgroundTaskSystem) { self.system = system }
    func running() async throws -> Int { await system.runningTaskCount() }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.withLock { raised = true } }
    var isRaised: Bool { lock.withLock { raised } }
}
