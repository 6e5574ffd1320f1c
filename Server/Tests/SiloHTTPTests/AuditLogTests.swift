import Foundation
import Logging
import Testing

@testable import SiloAuditLog
@testable import SiloHTTP

/// The audit log's two promises that need no server: credentials never reach it, and it rotates by size.
@Suite struct AuditLogTests {
    @Test func credentialParametersAreRedactedAndTheRestKept() {
        let uri = "/b/k?OSSAccessKeyId=LTAI1&Expires=1&Signature=abc%2B&security-token=tok&x-oss-process=image/resize"
        #expect(AuditRecord.redactedURI(uri)
                == "/b/k?OSSAccessKeyId=LTAI1&Expires=1&Signature=REDACTED&security-token=REDACTED&x-oss-process=image/resize")
        #expect(AuditRecord.redactedURI("/b/k?x-oss-signature=s&x-oss-credential=LTAI%2F20261205&callback=e30")
                == "/b/k?x-oss-signature=REDACTED&x-oss-credential=LTAI%2F20261205&callback=REDACTED")
        #expect(AuditRecord.redactedURI("/b/k?X%2DOSS%2DSIGNATURE=s") == "/b/k?X%2DOSS%2DSIGNATURE=REDACTED")
        #expect(AuditRecord.redactedURI("/b/k") == "/b/k")
        // Empty pairs, bare names, a trailing "&" and non-ASCII are kept as sent; a bare credential name still
        // says it was redacted.
        #expect(AuditRecord.redactedURI("/b/k?&a=1&&Signature&x=%E4%B8%AD&=v&") == "/b/k?&a=1&&Signature=REDACTED&x=%E4%B8%AD&=v&")
        #expect(AuditRecord.redactedURI("/中文?security-token=t&名=值") == "/中文?security-token=REDACTED&名=值")
        #expect(AuditRecord.redactedURI("/b/k?") == "/b/k?")
        #expect(AuditRecord.redactedURI("/b/k?Signature=a=b&callback-var=x") == "/b/k?Signature=REDACTED&callback-var=REDACTED")
        // Names match ignoring case, by length exactly; one with non-ASCII goes through Unicode's lowercasing.
        #expect(AuditRecord.redactedURI("/b/k?SECURITY-Token=t&Signaturex=1&signatur=2&callbac\u{212A}=x")
                == "/b/k?SECURITY-Token=REDACTED&Signaturex=1&signatur=2&callbac\u{212A}=REDACTED")
    }

    @Test func jsonStringsDecodeToWhatWasWritten() throws {
        var samples = ["", "plain", "\"", "\\", "a\"b\\c", "\n\r\t", "\u{0}\u{1}\u{1f}\u{7f}", "中文 ü 😀", "end\\"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let scalars = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in
                Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &generator))
            }
            samples.append(String(String.UnicodeScalarView(scalars)) + "é")
        }
        for sample in samples {
            var out: [UInt8] = []
            JSONText.appendString(sample, to: &out)
            let decoded = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
            #expect(decoded == sample, "\(sample.debugDescription)")
            #expect(!out.dropFirst().dropLast().contains { $0 < 0x20 }, "no raw control byte")
        }
    }

    @Test func theHandWrittenLineDecodesToTheRecord() throws {
        let record = AuditRecord(
            time: "2026-12-05T10:00:00.000Z", requestId: "R1", clientIp: "127.0.0.1", accessId: "STS.x",
            requesterId: "r:s", principal: "acs:ram::1:assumed-role/r/s", bucket: "b", object: "中文/\"quoted\"\n\u{01}\\",
            operation: "DeleteObject", httpMethod: "DELETE", requestUri: "/b/k?x=1", httpStatus: 204, errorCode: nil,
            contentLengthIn: 0, contentLengthOut: nil, objectSize: 5, responseTime: 3, serverCostTime: 2,
            signType: "NormalSign", signVersion: "v4", userAgent: "ua\t", referer: nil, host: "h:1",
            policyDecision: "allowed", decidingStatement: "Allowed by statement 0 of \"p\".", callbackOutcome: nil)
        let line = record.jsonLine()
        #expect(line.last == 0x0A && !line.dropLast().contains(0x0A))
        #expect(try JSONDecoder().decode(AuditRecord.self, from: Data(line)) == record)
    }

    @Test func theFileRotatesBySizeAndKeepsItsCount() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/audit.log"
        var output = try AuditOutput(.file(path: path, maxBytes: 100, keep: 2))
        let logger = Logger(label: "test")
        for index in 0..<5 { output.write(Data(String(repeating: "\(index)", count: 60).utf8), logger: logger) }
        output.close()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["audit.log", "audit.log.1", "audit.log.2"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == String(repeating: "4", count: 60))
        #expect(try String(contentsOfFile: path + ".2", encoding: .utf8) == String(repeating: "2", count: 60))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
