import SiloCore

@testable import SiloHTTP

/// The audit log's redaction of a request target. Every pair after the `?` comes back in place, its name as
/// sent; its value is `REDACTED` exactly when the name, percent-decoded and lowercased as Unicode does, is a
/// credential parameter. The byte-level comparison the log uses must agree with that definition.
enum AuditURITarget {
    static func run(_ bytes: [UInt8]) {
        let target = String(decoding: bytes, as: UTF8.self)
        let redacted = Array(AuditRecord.redactedURI(target).utf8)
        let sent = Array(target.utf8)
        guard let question = sent.firstIndex(of: UInt8(ascii: "?")) else {
            precondition(redacted == sent, "a target without a query changed")
            return
        }
        precondition(Array(redacted.prefix(question + 1)) == Array(sent[...question]), "the path changed")
        let sentPairs = sent[(question + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false)
        let outPairs = redacted[(question + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false)
        precondition(sentPairs.count == outPairs.count, "pairs were added or lost")
        for (original, out) in zip(sentPairs, outPairs) {
            let nameBytes = original.prefix { $0 != UInt8(ascii: "=") }
            let name = String(decoding: nameBytes, as: UTF8.self)
            if AuditRecord.redactedParameters.contains((PercentEncoding.decode(name) ?? name).lowercased()) {
                precondition(Array(out) == Array(nameBytes) + Array("=REDACTED".utf8), "a credential was kept: \(name)")
            } else {
                precondition(Array(out) == Array(original), "a pair that is not a credential changed: \(name)")
            }
        }
    }
}
