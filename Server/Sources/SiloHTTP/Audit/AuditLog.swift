import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Where audit records go, off the request path: requests hand their record to a stream, and the writer service
/// appends them as JSON lines to a file that rotates by size (`audit.log`, `audit.log.1`, ...) or to stdout.
public final class AuditLog: Sendable, Service {
    public enum Destination: Sendable, Hashable {
        case standardOutput
        case file(path: String, maxBytes: Int64, keep: Int)
    }

    /// Records waiting to be written beyond this are dropped and counted: a stalled disk must not grow memory
    /// without bound or hold requests up.
    static let maxPending = 100_000

    public let destination: Destination
    let logger: Logger
    private let stream: AsyncStream<AuditRecord>
    private let continuation: AsyncStream<AuditRecord>.Continuation
    private let pending = NIOLockedValueBox((waiting: 0, dropped: 0))

    public init(destination: Destination, logger: Logger) {
        self.destination = destination
        self.logger = logger
        (stream, continuation) = AsyncStream<AuditRecord>.makeStream(bufferingPolicy: .unbounded)
    }

    func record(_ record: AuditRecord) {
        let accepted = pending.withLockedValue { state -> Bool in
            guard state.waiting < Self.maxPending else {
                state.dropped += 1
                return false
            }
            state.waiting += 1
            return true
        }
        if accepted { continuation.yield(record) }
    }

    public func run() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var output = try AuditOutput(destination)
        defer { output.close() }
        await withGracefulShutdownHandler {
            var batch = Data()
            for await record in stream {
                if let line = try? encoder.encode(record) {
                    batch.append(line)
                    batch.append(0x0A)
                }
                let dropped = pending.withLockedValue { state -> Int in
                    state.waiting -= 1
                    defer { state.dropped = 0 }
                    return state.dropped
                }
                if dropped > 0 { logger.warning("audit records dropped: the writer fell behind", metadata: ["count": "\(dropped)"]) }
                // Lines that arrived together are written together.
                if pending.withLockedValue({ $0.waiting }) == 0 || batch.count >= 256 * 1024 {
                    output.write(batch, logger: logger)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { output.write(batch, logger: logger) }
        } onGracefulShutdown: {
            // Requests still finishing may add records; the stream ends once the server has stopped serving.
            self.continuation.finish()
        }
    }
}

/// The audit log's file (or stdout), rotated when it would pass its size.
struct AuditOutput {
    let destination: AuditLog.Destination
    var handle: FileHandle?
    var size: Int64 = 0

    init(_ destination: AuditLog.Destination) throws {
        self.destination = destination
        try open()
    }

    mutating func open() throws {
        switch destination {
        case .standardOutput:
            handle = FileHandle.standardOutput
        case .file(let path, _, _):
            if !FileManager.default.fileExists(atPath: path) {
                // Records name principals and keys: readable by the server's user only.
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
            }
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            size = Int64(try file.seekToEnd())
            handle = file
        }
    }

    mutating func write(_ data: Data, logger: Logger) {
        if case .file(let path, let maxBytes, let keep) = destination, size > 0, size + Int64(data.count) > maxBytes {
            rotate(path: path, keep: keep, logger: logger)
        }
        do {
            try handle?.write(contentsOf: data)
            size += Int64(data.count)
        } catch {
            logger.error("writing the audit log failed", metadata: ["error": "\(error)"])
        }
    }

    mutating func rotate(path: String, keep: Int, logger: Logger) {
        close()
        let files = FileManager.default
        try? files.removeItem(atPath: "\(path).\(keep)")
        if keep > 1 {
            for index in stride(from: keep - 1, through: 1, by: -1) where files.fileExists(atPath: "\(path).\(index)") {
                try? files.moveItem(atPath: "\(path).\(index)", toPath: "\(path).\(index + 1)")
            }
        }
        try? files.moveItem(atPath: path, toPath: "\(path).1")
        size = 0
        do { try open() } catch { logger.error("reopening the audit log failed", metadata: ["error": "\(error)"]) }
    }

    mutating func close() {
        if case .file = destination { try? handle?.close() }
        handle = nil
    }
}
