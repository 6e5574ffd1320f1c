import ArgumentParser
import Foundation
import SiloCore
import SiloHTTP

/// `silo audit query`: who did what to a bucket or key, from the audit log files (rotated ones included, oldest
/// first). Reads the files only; the server need not be running.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read the audit log.", subcommands: [AuditQueryCommand.self])
}

struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Requests matching every filter given, oldest first: e.g. who deleted a key.",
        discussion: "silo audit query --bucket photos --key users/1/a.jpg --operation DeleteObject --since 7d")

    @Option(help: "The server's data folder, whose audit.log is read.")
    var dataDir: String = "./data"

    @Option(help: "An audit log file to read instead (its rotated files beside it are read too).")
    var file: String?

    @Option(help: "Only this bucket.")
    var bucket: String?

    @Option(help: "Only this object key (exactly).")
    var key: String?

    @Option(help: "Only this operation (PutObject, DeleteObject, DeleteMultipleObjects, GetObject, ...).")
    var operation: String?

    @Option(help: "Only requests signed with this AccessKeyId.")
    var accessId: String?

    @Option(help: "Only since this time: ISO 8601 (2026-12-05T10:00:00Z) or an age (90s, 30m, 12h, 7d).")
    var since: String?

    @Flag(help: "Print the matching records as JSON lines instead of one summary line each.")
    var json = false

    func run() throws {
        let path = file ?? (URL(fileURLWithPath: dataDir).standardizedFileURL.path as NSString)
            .appendingPathComponent("audit.log")
        let cutoff = try since.map(Self.parseSince)
        var rotated: [String] = []
        var index = 1
        while FileManager.default.fileExists(atPath: "\(path).\(index)") {
            rotated.append("\(path).\(index)")
            index += 1
        }
        let files = rotated.reversed() + [path]
        guard files.contains(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ValidationError("no audit log at \(path)")
        }
        let decoder = JSONDecoder()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            for line in data.split(separator: 0x0A) {
                guard let record = try? decoder.decode(AuditRecord.self, from: line), matches(record, after: cutoff) else {
                    continue
                }
                print(json ? String(decoding: line, as: UTF8.self) : Self.summary(record))
            }
        }
    }

    func matches(_ record: AuditRecord, after cutoff: Int64?) -> Bool {
        if let bucket, record.bucket != bucket { return false }
        if let key, record.object != key { return false }
        if let operation, record.operation != operation { return false }
        if let accessId, record.accessId != accessId { return false }
        if let cutoff, let time = Timestamps.parseISO8601(record.time), time < cutoff { return false }
        return true
    }

    static func summary(_ record: AuditRecord) -> String {
        let who = record.principal ?? "anonymous"
        let target = [record.bucket, record.object].compactMap { $0 }.joined(separator: "/")
        let outcome = record.errorCode.map { "\(record.httpStatus) \($0)" } ?? "\(record.httpStatus)"
        return "\(record.time)  \(record.operation)  \(target)  \(outcome)  by \(who)"
            + (record.clientIp.map { " from \($0)" } ?? "") + "  request \(record.requestId)"
    }

    static func parseSince(_ text: String) throws -> Int64 {
        if let time = Timestamps.parseISO8601(text) { return time }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0 else {
            throw ValidationError("--since takes an ISO 8601 time or an age such as 30m, 12h, 7d")
        }
        return Int64(Date().timeIntervalSince1970) - count * unit
    }
}
