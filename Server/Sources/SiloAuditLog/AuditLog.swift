import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A record the audit log writes: one JSON line, rendered by the writer, not on the request path.
public protocol AuditLine: Sendable {
    func jsonLine() -> [UInt8]
}

/// Where audit records go, off the request path: a request appends its record to a buffer (a lock and an
/// append), and the writer service, every `flushInterval`, takes what accumulated, encodes it and appends it with
/// one write to a file that rotates by size (`audit.log`, `audit.log.1`, ...) or to stdout. Waking the writer per
/// record, or writing per record, cost more than the rest of a small GET.
public final class AuditLog: Sendable, Service {
    public enum Destination: Sendable, Hashable {
        case standardOutput
        case file(path: String, maxBytes: Int64, keep: Int)
    }

    /// Records waiting to be written beyond this are dropped and counted: a stalled disk must not grow memory
    /// without bound or hold requests up.
    static let maxPending = 100_000

    public let destination: Destination
    let flushInterval: Duration
    let logger: Logger
    private let pending = NIOLockedValueBox((records: [any AuditLine](), dropped: 0))

    public init(destination: Destination, flushInterval: Duration = .milliseconds(100), logger: Logger) {
        self.destination = destination
        self.flushInterval = flushInterval
        self.logger = logger
    }

    public func record(_ record: any AuditLine) {
        pending.withLockedValue { state in
            if state.records.count < Self.maxPending {
                state.records.append(record)
            } else {
                state.dropped += 1
            }
        }
    }

    /// Writes what accumulated; answers whether anything did.
    @discardableResult
    func flush(_ output: inout AuditOutput) -> Bool {
        let (records, dropped) = pending.withLockedValue { state in
            defer { state = ([], 0) }
            return (state.records, state.dropped)
        }
        if dropped > 0 { logger.warning("audit records dropped: the writer fell behind", metadata: ["count": "\(dropped)"]) }
        guard !records.isEmpty else { return false }
        var batch = [UInt8]()
        batch.reserveCapacity(records.count * 512)
        for record in records { batch.append(contentsOf: record.jsonLine()) }
        output.write(Data(batch), logger: logger)
        return true
    }

    public func run() async throws {
        var output = try AuditOutput(destination)
        defer { output.close() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.flushInterval) }
            flush(&output)
        }
        // Services stop in reverse order and this one is first, so the listeners have stopped: what they recorded
        // last is written now.
        flush(&output)
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
