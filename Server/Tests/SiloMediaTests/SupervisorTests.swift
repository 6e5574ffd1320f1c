import Foundation
import Subprocess
import SystemPackage
import Testing

@testable import SiloMedia

/// The shell that runs a transcode: it ends the tool when Silo is gone, and reports the tool's end as its own.
@Suite struct SupervisorTests {
    static func supervised(_ silo: Int32, _ tool: [String]) -> Arguments {
        Arguments(["-c", ConfinedProcess.supervisor, "silo-media-supervisor", String(silo)] + tool)
    }

    @Test func aToolEndedByASignalEndsTheSupervisorTheSameWay() async throws {
        let signaled = try await Subprocess.run(.path("/bin/sh"), arguments: Self.supervised(getpid(), ["/bin/sh", "-c", "kill -XCPU $$"]),
                                                output: .discarded)
        #expect(signaled.terminationStatus == .signaled(SIGXCPU))
        let exited = try await Subprocess.run(.path("/bin/sh"), arguments: Self.supervised(getpid(), ["/bin/sh", "-c", "exit 3"]),
                                              output: .discarded)
        #expect(exited.terminationStatus == .exited(3))
        // Its output is the tool's, and it ends when the tool does (the watcher holds no pipe).
        let echoed = try await Subprocess.run(.path("/bin/sh"), arguments: Self.supervised(getpid(), ["/bin/echo", "progress=end"]),
                                              output: .string(limit: 1024))
        #expect(echoed.standardOutput == "progress=end\n")
    }

    @Test func theToolDiesWithSilo() async throws {
        // A stand-in for Silo: when it is killed, the supervised tool (a long sleep) must go within seconds.
        let marker = "silo-supervisor-test-\(UUID().uuidString.prefix(8))"
        let result = try await Subprocess.run(.path("/bin/sh"), arguments: ["-c", """
            sleep 60 & stand_in=$!
            /bin/sh -c '\(ConfinedProcess.supervisor.replacingOccurrences(of: "'", with: "'\\''"))' s "$stand_in" /bin/sh -c 'exec sleep 120 # \(marker)' &
            supervisor=$!
            sleep 1
            kill -9 "$stand_in"
            wait "$supervisor"
            echo "supervisor=$?"
            """], output: .string(limit: 4096))
        #expect(result.standardOutput.contains("supervisor=137"), "\(result.standardOutput)")
        let left = try await Subprocess.run(.path("/usr/bin/pgrep"), arguments: ["-f", marker], output: .string(limit: 4096))
        #expect(left.standardOutput.isEmpty, "the tool outlived its Silo: \(left.standardOutput)")
    }
}
