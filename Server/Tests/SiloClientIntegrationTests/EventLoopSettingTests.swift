import Foundation
import SiloClient
import Testing

/// `SILO_EVENT_LOOPS`: how many event loops a Silo process runs.
@Suite struct EventLoopSettingTests {
    #if os(Linux)
    /// Threads of the process named as NIO names the loops of its singleton group.
    private func eventLoopThreads(of pid: Int32) throws -> Int {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        return tasks.filter { task in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("NIO-SGLTN-")
        }.count
    }

    @Test func theServerRunsAsManyLoopsAsAskedAndServesOnThem() async throws {
        try await SiloServerProcess.with(environment: ["SILO_EVENT_LOOPS": "1"]) { server async throws in
            #expect(try eventLoopThreads(of: server.process.processIdentifier) == 1)
            let bucket = server.client(.v4).bucket("loops")
            try await bucket.create()
            _ = try await bucket.put("k", data: Data("one loop".utf8))
            #expect(try await bucket.get("k") == Data("one loop".utf8))
        }
        try await SiloServerProcess.with { server async throws in
            #expect(try eventLoopThreads(of: server.process.processIdentifier) == ProcessInfo.processInfo.activeProcessorCount)
        }
    }
    #endif

    @Test(arguments: ["0", "-1", "two", "1025", ""])
    func anInvalidCountStopsTheServerWithAMessage(value: String) throws {
        let process = Process()
        process.executableURL = SiloServerProcess.binary
        process.arguments = ["--version"]
        process.environment = ProcessInfo.processInfo.environment.merging(["SILO_EVENT_LOOPS": value]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(message.contains("SILO_EVENT_LOOPS must be a whole number from 1 to 1024"))
    }
}
