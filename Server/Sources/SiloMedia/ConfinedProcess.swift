#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Subprocess
import SystemPackage

/// Runs one media tool as a child process under `MediaLimits`: `prlimit` sets the kernel's bounds (address space,
/// CPU seconds, file size, open files, no core dumps) before it execs the tool; Silo kills it at the wall-time
/// deadline and stops reading past the output bound. The environment is empty but for `PATH`, so nothing of the
/// server's (credentials, proxies) reaches the child.
struct ConfinedProcess {
    struct Outcome {
        var status: TerminationStatus
        var output: [UInt8]
        var diagnostics: String
    }

    let tools: MediaTools
    let limits: MediaLimits
    let logger: Logger

    /// `tool` with `arguments`, reading `input` as its standard input (left open for the caller to close).
    func run(_ tool: String, _ arguments: [String], input: MediaInput, fileSizeLimit: Int) async throws(MediaError)
        -> Outcome
    {
        let maxOutput = limits.maxOutputBytes
        return try await confined(tool, arguments, input: input, fileSizeLimit: fileSizeLimit) { executable, arguments, options, stdin in
            let result = try await Subprocess.run(
                executable, arguments: arguments, environment: Self.environment, platformOptions: options, input: stdin,
                output: .bytes(limit: maxOutput), error: .string(limit: 64 * 1024))
            return Outcome(status: result.terminationStatus, output: result.standardOutput, diagnostics: result.standardError)
        }
    }

    /// `tool` with its standard output read line by line as it comes (`onLine`), for long runs that report progress;
    /// the same bounds as `run`, its diagnostics the last 32 KB of standard error. The tool runs under `supervisor`,
    /// which kills it when Silo dies: a transcode must not go on for a job another worker will start over.
    func stream(_ tool: String, _ arguments: [String], input: MediaInput, fileSizeLimit: Int,
                onLine: @escaping @Sendable (String) -> Void) async throws(MediaError) -> Outcome
    {
        let supervised = ["-c", Self.supervisor, "silo-media-supervisor", String(getpid()), tool] + arguments
        return try await confined("/bin/sh", supervised, input: input, fileSizeLimit: fileSizeLimit) { executable, arguments, options, stdin in
            let result = try await Subprocess.run(
                executable, arguments: arguments, environment: Self.environment, platformOptions: options, input: stdin,
                output: .sequence, error: .sequence
            ) { execution in
                // Both pipes drained at once, so neither can fill and stall the child.
                try await withThrowingTaskGroup(of: String?.self) { streams in
                    streams.addTask {
                        for try await line in execution.standardOutput.strings(bufferingPolicy: .maxLineLength(4096)) {
                            onLine(line)
                        }
                        return nil
                    }
                    streams.addTask {
                        var tail = ""
                        for try await line in execution.standardError.strings(bufferingPolicy: .maxLineLength(4096)) {
                            tail += line + "\n"
                            if tail.utf8.count > 64 * 1024 { tail = String(tail.suffix(32 * 1024)) }
                        }
                        return tail
                    }
                    var diagnostics = ""
                    for try await value in streams { if let value { diagnostics = value } }
                    return diagnostics
                }
            }
            return Outcome(status: result.terminationStatus, output: [], diagnostics: result.closureResult)
        }
    }

    /// Runs `"$@"` (after Silo's pid) and kills it with SIGKILL as soon as Silo or this shell is gone. ffmpeg ignores
    /// SIGPIPE, so the closing of its progress pipe alone would not stop an orphan; the kernel's parent-death signal
    /// follows the spawning thread rather than the process; a watcher that asks the kernel about both pids every
    /// second does neither wrong (its pipes go to /dev/null, so Silo sees the end of the tool's output when the tool
    /// ends). A tool ended by a signal ends this shell by the same signal, so the caller sees the
    /// kernel's limits (SIGXCPU, SIGXFSZ) as if the tool ran alone.
    static let supervisor = #"""
        silo=$1; shift
        exec 3<&0
        "$@" <&3 3<&- &
        tool=$!
        exec 3<&-
        ( while kill -0 "$silo" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done
          kill -9 "$tool" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
        watcher=$!
        wait "$tool"
        status=$?
        kill "$watcher" 2>/dev/null
        if [ "$status" -gt 128 ]; then
            trap - "$((status - 128))" 2>/dev/null
            kill -s "$(kill -l "$status")" $$
        fi
        exit "$status"
        """#

    /// Nothing of the server's environment (credentials, proxies) reaches a child.
    static let environment = Environment.custom(["PATH": "/usr/bin:/bin"])

    /// The one way a tool is started: through `prlimit` with the kernel's bounds, its standard input the object's
    /// descriptor, raced against the wall-time deadline, and every failure to start or finish in `MediaError`.
    private func confined(
        _ tool: String, _ arguments: [String], input: MediaInput, fileSizeLimit: Int,
        _ launch: @escaping @Sendable (Executable, Arguments, PlatformOptions, FileDescriptorInput) async throws -> Outcome
    ) async throws(MediaError) -> Outcome {
        let bounded = [
            "--as=\(limits.memoryBytes)", "--cpu=\(limits.cpuSeconds)", "--fsize=\(fileSizeLimit)", "--nofile=64",
            "--core=0", "--", tool,
        ] + arguments
        let options: PlatformOptions = {
            var options = PlatformOptions()
            // Cancellation (the deadline, or the request going away) ends in SIGKILL; a decoder is not asked twice.
            options.teardownSequence = []
            return options
        }()
        let executable = Executable.path(FilePath(tools.prlimit))
        let descriptor = input.descriptor
        let maxOutput = limits.maxOutputBytes
        let deadline = limits.wallSeconds
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    try await launch(executable, Arguments(bounded), options,
                                     .fileDescriptor(descriptor, closeAfterSpawningProcess: false))
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(deadline))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let outcome = first else {
                    throw MediaError.tooLarge("Processing the media took longer than \(deadline) seconds.")
                }
                return outcome
            }
        } catch let error as MediaError {
            throw error
        } catch let error as SubprocessError where error.code == .outputLimitExceeded {
            throw .tooLarge("The media tool's output is larger than \(maxOutput) bytes.")
        } catch is CancellationError {
            throw .internalFailure("The media work was cancelled.")
        } catch {
            logger.error("media tool failed to run", metadata: ["tool": "\(tool)", "error": "\(error)"])
            throw .internalFailure("The media tool could not be run.")
        }
    }

    /// A failed run in OSS's terms: the kernel's CPU limit or an allocation the address-space limit refused is the
    /// file's excess (4xx); anything else means ffmpeg could not read it. The diagnostics go to the log, never to
    /// the client.
    func failure(_ outcome: Outcome, tool: String) -> MediaError {
        logger.debug("media tool refused its input", metadata: [
            "tool": "\(tool)", "status": "\(outcome.status)", "stderr": "\(outcome.diagnostics.suffix(2_000))",
        ])
        #if !os(Windows)
        if case .signaled(let signal) = outcome.status {
            if signal == SIGXCPU || signal == SIGKILL { return .tooLarge("Processing the media exceeded its CPU time limit.") }
            if signal == SIGXFSZ { return .tooLarge("The processed output is larger than this server allows.") }
        }
        #endif
        let text = outcome.diagnostics
        if text.contains("Cannot allocate memory") || text.contains("max pixel count") {
            return .tooLarge("The media needs more memory or pixels than this server allows.")
        }
        if text.contains("File size limit exceeded") || text.contains("File too large") {
            return .tooLarge("The processed output is larger than this server allows.")
        }
        return .badMedia("The object is not media this server can read.")
    }
}
