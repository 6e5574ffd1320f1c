import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import SiloCore
import Testing

@testable import SiloClient

@Suite struct ClientBehaviourTests {
    @Test func retriesNetworkFailuresAndServerErrorsThenSucceeds() async throws {
        let transport = MockTransport { _, index in
            if index == 0 { throw TransportError("connection reset") }
            if index == 1 { return MockTransport.error(503, code: "ServiceUnavailable") }
            return MockTransport.response(200, headers: ["Content-Length": "3", "ETag": "\"E\""])
        }
        let info = try await makeClient(transport).bucket("b").head("k")
        #expect(info.etag == "E")
        #expect(transport.requests.count == 3)
    }

    @Test func givesUpAfterMaxRetries() async throws {
        let transport = MockTransport { _, _ in throw TransportError("connection refused") }
        await #expect(throws: OSSClientError.transport(NetworkFailure(.other, "connection refused"))) {
            _ = try await makeClient(transport) { $0.maxRetries = 2 }.bucket("b").head("k")
        }
        #expect(transport.requests.count == 3)
    }

    /// Each attempt is logged with a level: a 503 that is retried at error, the success at debug, a NoSuchKey at info.
    @Test func attemptsAreLoggedWithLevels() async throws {
        let calls = Locked(0)
        let transport = MockTransport { _, _ in
            let n = calls.withLock { count -> Int in
                count += 1
                return count
            }
            return n == 1 ? MockTransport.error(503, code: "ServiceUnavailable") : n == 2 ? MockTransport.response(200)
                : MockTransport.error(404, code: "NoSuchKey")
        }
        let entries = Locked<[ClientLogEntry]>([])
        let lines = Locked<[String]>([])
        let client = makeClient(transport) { configuration in
            configuration.logHandler = { entry in entries.withLock { $0.append(entry) } }
            configuration.log = { line in lines.withLock { $0.append(line) } }
        }
        _ = try await client.bucket("b").head("k")
        _ = try? await client.bucket("b").head("missing")
        let levels = entries.current.map(\.level)
        #expect(levels == [.error, .debug, .info], "\(entries.current.map(\.line))")
        #expect(entries.current.map(\.attempt) == [0, 1, 0] && entries.current.map(\.status) == [503, 200, 404])
        #expect(lines.current == entries.current.map(\.line))
    }

    /// A certificate problem is not a glitch: it is reported at once, with its cause, instead of retried.
    @Test func tlsFailuresAreNotRetriedAndKeepTheirCause() async throws {
        let transport = MockTransport { _, _ in throw TransportError("certificate verify failed", cause: .tls) }
        do {
            _ = try await makeClient(transport) { $0.maxRetries = 3 }.bucket("b").head("k")
            Issue.record("no error")
        } catch let error as OSSClientError {
            #expect(error.network == .tls)
            #expect(error.errorDescription == "The storage service's identity could not be verified.")
            #expect(error.recoverySuggestion?.contains("date and time") == true)
        }
        #expect(transport.requests.count == 1)
    }

    /// URL loading errors become the causes an app acts on, and every cause reads as a sentence with a way out.
    @Test func urlErrorsAreClassifiedAndEveryCauseIsLocalized() throws {
        let cases: [(URLError.Code, NetworkFailure.Cause)] = [
            (.notConnectedToInternet, .offline), (.dataNotAllowed, .offline), (.timedOut, .timedOut),
            (.cannotConnectToHost, .cannotConnect), (.cannotFindHost, .cannotConnect), (.networkConnectionLost, .connectionLost),
            (.serverCertificateUntrusted, .tls), (.secureConnectionFailed, .tls), (.badServerResponse, .other),
        ]
        for (code, cause) in cases {
            #expect(NetworkFailure.classify(URLError(code)).cause == cause, "\(code)")
            #expect(RetryMiddleware.map(URLError(code)).network == cause)
        }
        for cause in NetworkFailure.Cause.allCases {
            let error = OSSClientError.transport(NetworkFailure(cause, "x"))
            #expect(error.errorDescription?.isEmpty == false && error.recoverySuggestion?.isEmpty == false, "\(cause)")
            #expect((error as any Error).localizedDescription == error.errorDescription)
        }
        #expect(OSSClientError.transport(NetworkFailure(.offline, "x")).errorDescription == "You are offline.")
    }

    @Test func clientErrorsAreNotRetriedAndCarryTheServerFields() async throws {
        let transport = MockTransport { _, _ in MockTransport.error(404, code: "NoSuchKey") }
        do {
            _ = try await makeClient(transport).bucket("b").get("k")
            Issue.record("no error")
        } catch let error as OSSClientError {
            #expect(error == .server(status: 404, code: "NoSuchKey", message: "NoSuchKey message",
                                     requestId: "RID-NoSuchKey", ec: nil))
        }
        #expect(transport.requests.count == 1)
    }

    @Test func headErrorsComeFromTheHeaders() async throws {
        let document = ErrorDocument(error: OSSError(status: 404, code: "NoSuchKey", message: "gone"), requestId: "R", hostId: "h")
        let transport = MockTransport { _, _ in
            MockTransport.response(404, headers: ["x-oss-err": Data(document.xmlBytes()).base64EncodedString(),
                                                  "x-oss-request-id": "R"])
        }
        #expect(try await makeClient(transport).bucket("b").exists("k") == false)
    }

    @Test func nonIdempotentAndStreamedRequestsAreNotRetried() async throws {
        let transport = MockTransport { _, _ in throw TransportError("reset") }
        let bucket = makeClient(transport).bucket("b")
        _ = try? await bucket.append("k", data: Data("x".utf8), position: 0)
        #expect(transport.requests.count == 1)
        _ = try? await bucket.put("k", stream: .data(Data("x".utf8)), length: 1)
        #expect(transport.requests.count == 2)
    }

    @Test func correctsClockSkewAndRetries() async throws {
        let serverNow = Int64(Date().timeIntervalSince1970) + 7200
        let transport = MockTransport { request, index in
            if index == 0 {
                return MockTransport.error(403, code: "RequestTimeTooSkewed",
                                           headers: ["Date": Timestamps.rfc1123(unixSeconds: serverNow)])
            }
            return MockTransport.response(200)
        }
        _ = try await makeClient(transport) { $0.signatureVersion = .v1 }.bucket("b").head("k")
        let sentDate = try #require(transport.requests.last?.head.headerFields[.date])
        let sent = try #require(Timestamps.parseRFC1123(sentDate))
        #expect(abs(sent - serverNow) < 60)
    }

    @Test func expiredTokensAreRefreshedAndTheRequestRetried() async throws {
        let counter = Locked(0)
        let provider = RefreshingCredentialsProvider {
            counter.withLock { $0 += 1 }
            return Credentials(accessKeyId: "STS.\(counter.current)", accessKeySecret: "s", securityToken: "t\(counter.current)",
                               expiration: Date().addingTimeInterval(3600))
        }
        let transport = MockTransport { request, _ in
            request.head.headerFields[HTTPField.Name("x-oss-security-token")!] == "t1"
                ? MockTransport.error(403, code: "SecurityTokenExpired") : MockTransport.response(200)
        }
        _ = try await makeClient(transport, credentials: provider).bucket("b").head("k")
        #expect(transport.requests.count == 2)
        #expect(transport.requests[1].head.headerFields[HTTPField.Name("x-oss-security-token")!] == "t2")
    }

    @Test func neverMoreRequestsInFlightThanConfigured() async throws {
        let inFlight = Locked((current: 0, peak: 0))
        let transport = MockTransport { _, _ in
            inFlight.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) }
            try await Task.sleep(nanoseconds: 10_000_000)
            inFlight.withLock { $0.current -= 1 }
            return MockTransport.response(200)
        }
        let bucket = makeClient(transport) { $0.maxConcurrentRequests = 3 }.bucket("b")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<30 { group.addTask { _ = try await bucket.head("k\(index)") } }
            try await group.waitForAll()
        }
        #expect(inFlight.current.peak == 3)
    }

    @Test func aSlotIsHeldUntilTheBodyIsRead() async throws {
        let transport = MockTransport { _, _ in MockTransport.response(200, body: Data(repeating: 1, count: 10)) }
        let bucket = makeClient(transport) { $0.maxConcurrentRequests = 1 }.bucket("b")
        let first = try await bucket.stream("a")
        let second = Task { try await bucket.get("b") }
        try await Task.sleep(nanoseconds: 50_000_000)
        #expect(transport.requests.count == 1, "the second request must wait for the first body")
        _ = try await first.bytes.collect(upTo: 100)
        _ = try await second.value
        #expect(transport.requests.count == 2)
    }

    @Test func uploadCRCMismatchIsAnError() async throws {
        let transport = MockTransport { _, _ in MockTransport.response(200, headers: ["x-oss-hash-crc64ecma": "12345"]) }
        await #expect(throws: OSSClientError.self) {
            _ = try await makeClient(transport) { $0.maxRetries = 0 }.bucket("b").put("k", data: Data("hello".utf8))
        }
    }

    static func temporaryFile(_ data: Data) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crc-\(UUID().uuidString)")
        try data.write(to: file)
        return file
    }

    /// A file the transport never read through the stream is summed from the file; the sum still decides: a
    /// wrong CRC from the server fails the call.
    @Test func aFileUploadIsCheckedAgainstTheFilesCRC() async throws {
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let file = try Self.temporaryFile(data)
        defer { try? FileManager.default.removeItem(at: file) }
        let crc = CRC64.checksum(data)
        let wrong = MockTransport { _, _ in MockTransport.response(200, headers: ["x-oss-hash-crc64ecma": String(crc ^ 1)]) }
        await #expect(throws: OSSClientError.crcMismatch(expected: crc, actual: crc ^ 1, requestId: "")) {
            _ = try await makeClient(wrong) { $0.maxRetries = 0 }.bucket("b").put("k", file: file)
        }
        let right = MockTransport { _, _ in MockTransport.response(200, headers: ["x-oss-hash-crc64ecma": String(crc)]) }
        #expect(try await makeClient(right).bucket("b").put("k", file: file).crc64 == crc)
    }

    /// A transport that sends a file as a stream has it summed on the way out, once, and the sum decides.
    @Test func aFileSentAsAStreamIsSummedAsItGoes() async throws {
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        let file = try Self.temporaryFile(data)
        defer { try? FileManager.default.removeItem(at: file) }
        let crc = CRC64.checksum(data)
        func draining(reporting reported: UInt64) -> MockTransport {
            MockTransport { request, _ in
                guard case .stream(let stream, let length) = request.body else {
                    Issue.record("a streaming transport gets the file as a stream")
                    return MockTransport.response(500)
                }
                #expect(length == Int64(data.count))
                let sent = try await stream.collect(upTo: 1 << 20)
                #expect(sent == data)
                return MockTransport.response(200, headers: ["x-oss-hash-crc64ecma": String(reported)])
            }
        }
        await #expect(throws: OSSClientError.crcMismatch(expected: crc, actual: crc ^ 1, requestId: "")) {
            _ = try await makeClient(draining(reporting: crc ^ 1)) { $0.maxRetries = 0 }.bucket("b").put("k", file: file)
        }
        #expect(try await makeClient(draining(reporting: crc)).bucket("b").put("k", file: file).crc64 == crc)
    }

    @Test func downloadCRCMismatchFailsAtTheEnd() async throws {
        let transport = MockTransport { _, _ in
            MockTransport.response(200, headers: ["x-oss-hash-crc64ecma": "1"], body: Data("hello".utf8))
        }
        await #expect(throws: OSSClientError.crcMismatch(expected: 1, actual: CRC64.checksum(Array("hello".utf8)), requestId: "")) {
            _ = try await makeClient(transport).bucket("b").get("k")
        }
        let good = MockTransport { _, _ in
            MockTransport.response(200, headers: ["x-oss-hash-crc64ecma": String(CRC64.checksum(Array("hello".utf8)))],
                                   body: Data("hello".utf8))
        }
        #expect(try await makeClient(good).bucket("b").get("k") == Data("hello".utf8))
    }

    @Test(arguments: [("http://127.0.0.1:9000", "127.0.0.1:9000", "/b/a%20b/c.jpg"),
                      ("https://oss-cn-hangzhou.aliyuncs.com", "b.oss-cn-hangzhou.aliyuncs.com", "/a%20b/c.jpg")])
    func addressing(endpoint: String, authority: String, path: String) async throws {
        let transport = MockTransport { _, _ in MockTransport.response(200) }
        let client = OSSClient(endpoint: URL(string: endpoint)!, region: "cn-hangzhou",
                               credentials: StaticCredentialsProvider(accessKeyId: "a", accessKeySecret: "b"),
                               transport: transport)
        _ = try await client.bucket("b").head("a b/c.jpg")
        #expect(transport.requests[0].head.authority == authority)
        #expect(transport.requests[0].head.path == path)
    }

    @Test func progressNeverGoesBackwards() async throws {
        let reporter = TransferProgress.Reporter(minimumInterval: .zero)
        let collector = Task {
            var seen: [Int64] = []
            for await update in reporter.updates { seen.append(update.bytesTransferred) }
            return seen
        }
        reporter.begin(total: 100)
        for step in [{ reporter.advance(60) }, { reporter.rewind(60) }, { reporter.advance(30) }, { reporter.advance(50) }] {
            step()
            try await Task.sleep(nanoseconds: 20_000_000)  // let the consumer see each update
        }
        reporter.finish()
        let seen = await collector.value
        #expect(seen == [60, 80, 100])
    }
}
