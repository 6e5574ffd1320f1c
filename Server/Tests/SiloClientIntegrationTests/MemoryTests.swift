import Foundation
import SiloClient
import SiloCore
import Testing

#if os(Linux)
/// The SDK's memory while it moves 1 GiB, on each of its transports, measured on the `silo cp` process (which is
/// the SDK plus a CLI) by sampling its resident set, next to the same process moving 16 MiB in the same run.
@Suite(.serialized) struct MemoryTests {
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        return nil
    }

    /// Runs a CLI command to completion and returns its peak resident set in KiB.
    static func peakResident(_ arguments: [String], server: SiloServerProcess) throws -> Int {
        let process = try CLITests.run(arguments, server: server)
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var peak = 0
        while process.isRunning {
            if let rss = residentKiB(process.processIdentifier) { peak = max(peak, rss) }
            usleep(20_000)
        }
        #expect(process.terminationStatus == 0, "silo \(arguments.joined(separator: " ")) failed")
        return peak
    }

    static func writeFile(_ url: URL, mebibytes: Int) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        for index in 0..<mebibytes { try handle.write(contentsOf: testBytes(1 << 20, seed: UInt64(index % 61 + 1))) }
    }

    @Test(arguments: ["ahc", "urlsession"])
    func residentMemoryStaysFlatForAGibibyteBothWays(transport: String) async throws {
        try await SiloServerProcess.with { server in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mem-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try await server.client(.v4).bucket("memory").create()
            let small = folder.appendingPathComponent("small.bin")
            let big = folder.appendingPathComponent("big.bin")
            try Self.writeFile(small, mebibytes: 16)
            try Self.writeFile(big, mebibytes: 1024)
            let common = ["--checkpoint-dir", folder.appendingPathComponent("ckpt").path, "--concurrency", "3",
                          "--transport", transport]

            let smallUp = try Self.peakResident(["cp", small.path, "oss://memory/small.bin"] + common, server: server)
            let bigUp = try Self.peakResident(["cp", big.path, "oss://memory/big.bin"] + common, server: server)
            let smallDown = try Self.peakResident(["cp", "oss://memory/small.bin", folder.appendingPathComponent("s.out").path] + common,
                                                  server: server)
            let bigDown = try Self.peakResident(["cp", "oss://memory/big.bin", folder.appendingPathComponent("b.out").path] + common,
                                                server: server)
            let info = try await server.client(.v4).bucket("memory").head("big.bin")
            #expect(info.size == 1 << 30)
            let downloaded = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("b.out").path)
            #expect((downloaded[.size] as? NSNumber)?.int64Value == 1 << 30)
            print("SDK peak RSS (silo cp, \(transport)): upload 16 MiB \(smallUp / 1024) MiB, 1 GiB \(bigUp / 1024) MiB; "
                + "download 16 MiB \(smallDown / 1024) MiB, 1 GiB \(bigDown / 1024) MiB")
            // Three 8 MiB parts in flight bound the working set; a whole-file buffer would add 1024 MiB.
            #expect(bigUp - smallUp < 32 << 10, "upload grew \((bigUp - smallUp) / 1024) MiB")
            #expect(bigDown - smallDown < 32 << 10, "download grew \((bigDown - smallDown) / 1024) MiB")
        }
    }
}
#endif
