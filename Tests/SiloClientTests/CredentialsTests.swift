import Foundation
import HTTPTypes
import Testing

@testable import SiloClient

@Suite struct CredentialsTests {
    static func credentials(_ id: String, expiresIn seconds: TimeInterval) -> Credentials {
        Credentials(accessKeyId: id, accessKeySecret: "secret", securityToken: "token",
                    expiration: Date().addingTimeInterval(seconds))
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let provider = RefreshingCredentialsProvider {
            try await Task.sleep(nanoseconds: 50_000_000)
            return Self.credentials("STS.one", expiresIn: 3600)
        }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.credentials().accessKeyId } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(ids.count == 50 && Set(ids) == ["STS.one"])
        #expect(await provider.fetchCount == 1)
    }

    /// A device clock the test moves.
    final class Clock: Sendable {
        let time = Locked(Date(timeIntervalSince1970: 1_900_000_000))
        var now: Date { time.current }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static func credentials(_ id: String, expiresIn seconds: TimeInterval, from clock: Clock) -> Credentials {
        Credentials(accessKeyId: id, accessKeySecret: "secret", securityToken: "token",
                    expiration: clock.now.addingTimeInterval(seconds))
    }

    @Test func refreshesFiveMinutesBeforeExpiryButNotMoreOftenThanTheMinimumInterval() async throws {
        let clock = Clock()
        let counter = Locked(0)
        let provider = RefreshingCredentialsProvider(now: { clock.now }) {
            let n = counter.withLock { count -> Int in
                count += 1
                return count
            }
            // The first token has 4 minutes left: already inside the refresh window.
            return Self.credentials("STS.\(n)", expiresIn: n == 1 ? 240 : 3600, from: clock)
        }
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(try await provider.credentials().accessKeyId == "STS.1", "just fetched: used for the minimum interval")
        clock.advance(31)
        #expect(try await provider.credentials().accessKeyId == "STS.2")
        #expect(try await provider.credentials().accessKeyId == "STS.2")
        #expect(await provider.fetchCount == 2)
    }

    @Test func aFailedRefreshReachesEveryWaiterThenBacksOffBeforeTryingAgain() async throws {
        let clock = Clock()
        let fail = Locked(true)
        let provider = RefreshingCredentialsProvider(now: { clock.now }, random: { 1 }) {
            try await Task.sleep(nanoseconds: 20_000_000)
            if fail.current { throw URLError(.cannotConnectToHost) }
            return Self.credentials("STS.ok", expiresIn: 3600, from: clock)
        }
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    do {
                        _ = try await provider.credentials()
                        return false
                    } catch let error as OSSClientError {
                        if case .credentials = error { return true }
                        return false
                    } catch { return false }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 5)
        #expect(await provider.fetchCount == 1, "one fetch for every waiter")
        fail.withLock { $0 = false }
        // Within the backoff (1 s after one failure) a call fails at once with the last error, fetching nothing.
        await #expect(throws: OSSClientError.self) { try await provider.credentials() }
        #expect(await provider.fetchCount == 1)
        clock.advance(1.1)
        #expect(try await provider.credentials().accessKeyId == "STS.ok")
        #expect(await provider.fetchCount == 2)
    }

    @Test func theBackoffDoublesToItsMaximumWithJitterInItsUpperHalf() {
        let backoff = RefreshingCredentialsProvider.Backoff(first: 1, maximum: 60)
        #expect(backoff.delay(afterFailures: 1, random: 1) == 1 && backoff.delay(afterFailures: 1, random: 0) == 0.5)
        #expect(backoff.delay(afterFailures: 4, random: 1) == 8 && backoff.delay(afterFailures: 4, random: 0) == 4)
        #expect(backoff.delay(afterFailures: 30, random: 1) == 60 && backoff.delay(afterFailures: 30, random: 0) == 30)
    }

    @Test func aFailedRefreshKeepsUsingTheTokenWhileItIsStillValid() async throws {
        let clock = Clock()
        let fail = Locked(false)
        let provider = RefreshingCredentialsProvider(now: { clock.now }, random: { 1 }) {
            if fail.current { throw URLError(.timedOut) }
            return Self.credentials("STS.first", expiresIn: 900, from: clock)
        }
        #expect(try await provider.credentials().accessKeyId == "STS.first")
        fail.withLock { $0 = true }
        clock.advance(700)  // 200 s left: inside the refresh window, still valid
        #expect(try await provider.credentials().accessKeyId == "STS.first", "the app server being down fails nothing yet")
        #expect(await provider.fetchCount == 2)
        #expect(try await provider.credentials().accessKeyId == "STS.first", "within the backoff: no fetch")
        #expect(await provider.fetchCount == 2)
        clock.advance(150)  // 50 s left: less than the margin a request needs to land
        await #expect(throws: OSSClientError.self) { try await provider.credentials() }
    }

    @Test func aDeviceClockFarAheadDoesNotFetchPerRequest() async throws {
        let server = Clock()
        let device = Clock()
        device.advance(3 * 3600)  // the phone's clock is three hours ahead
        let provider = RefreshingCredentialsProvider(now: { device.now }, fetchWithDate: {
            .init(credentials: Self.credentials("STS.\(UUID().uuidString.prefix(4))", expiresIn: 3600, from: server),
                  serverDate: server.now)
        })
        let first = try await provider.credentials()
        for _ in 0..<100 { #expect(try await provider.credentials() == first) }
        device.advance(600)
        server.advance(600)
        #expect(try await provider.credentials() == first, "judged in the issuer's time, the token is fresh")
        #expect(await provider.fetchCount == 1)

        // Without the issuer's clock, the minimum interval still bounds the fetches, and a storage server's
        // RequestTimeTooSkewed clock puts them right.
        let blind = RefreshingCredentialsProvider(now: { device.now }) {
            Self.credentials("STS.blind", expiresIn: 3600, from: server)
        }
        for _ in 0..<100 { _ = try await blind.credentials() }
        #expect(await blind.fetchCount == 1)
        await blind.adoptServerClock(offset: server.now.timeIntervalSince(device.now))
        device.advance(60)
        server.advance(60)
        _ = try await blind.credentials()
        #expect(await blind.fetchCount == 1)
    }

    @Test func invalidateForcesAFetch() async throws {
        let counter = Locked(0)
        let provider = RefreshingCredentialsProvider {
            counter.withLock { $0 += 1 }
            return Self.credentials("STS.\(counter.current)", expiresIn: 3600)
        }
        let first = try await provider.credentials()
        #expect(first.accessKeyId == "STS.1")
        await provider.invalidate(first)
        let second = try await provider.credentials()
        #expect(second.accessKeyId == "STS.2")
    }

    @Test func parsesTheMobileSDKDocument() throws {
        let body = Data(#"{"StatusCode":200,"AccessKeyId":"STS.abc","AccessKeySecret":"s3cr3t","SecurityToken":"CAIS+tok","Expiration":"2030-01-02T03:04:05Z"}"#.utf8)
        let parsed = try AuthServerCredentialsProvider.parse(body)
        #expect(parsed.accessKeyId == "STS.abc")
        #expect(parsed.securityToken == "CAIS+tok")
        #expect(parsed.expiration == Date(timeIntervalSince1970: 1_893_553_445))
        let stringStatus = Data(#"{"StatusCode":"200","AccessKeyId":"a","AccessKeySecret":"b","SecurityToken":"c","Expiration":"2030-01-02T03:04:05Z"}"#.utf8)
        #expect(try AuthServerCredentialsProvider.parse(stringStatus).accessKeyId == "a")
    }

    @Test(arguments: [
        (#"{"StatusCode":500,"ErrorCode":"InvalidAccessKeyId.NotFound","ErrorMessage":"Specified access key is not found."}"#, "InvalidAccessKeyId.NotFound"),
        (#"{"StatusCode":200,"AccessKeyId":"a","AccessKeySecret":"b","Expiration":"2030-01-02T03:04:05Z"}"#, "SecurityToken"),
        (#"{"StatusCode":200,"AccessKeyId":"a","AccessKeySecret":"b","SecurityToken":"c","Expiration":"2030-01-02 03:04"}"#, "Expiration"),
        ("<html>oops</html>", "JSON"),
    ])
    func refusesBadDocuments(body: String, mentioning: String) {
        do {
            _ = try AuthServerCredentialsProvider.parse(Data(body.utf8))
            Issue.record("parsed \(body)")
        } catch let error as OSSClientError {
            guard case .credentials(let message) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(message.contains(mentioning), "\(message)")
        } catch {
            Issue.record("wrong error \(error)")
        }
    }

    @Test func authServerProviderFetchesOnceForConcurrentRequests() async throws {
        let transport = MockTransport { request, _ in
            #expect(request.head.path == "/sts?user=42")
            try await Task.sleep(nanoseconds: 30_000_000)
            let expiration = Date().addingTimeInterval(3600)
            let text = ISO8601DateFormatter().string(from: expiration)
            return MockTransport.response(200, body: Data(#"{"StatusCode":200,"AccessKeyId":"STS.x","AccessKeySecret":"y","SecurityToken":"z","Expiration":"\#(text)"}"#.utf8))
        }
        let provider = AuthServerCredentialsProvider(url: URL(string: "http://127.0.0.1:9200/sts?user=42")!, transport: transport)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { _ = try await provider.credentials() } }
            try await group.waitForAll()
        }
        #expect(transport.requests.count == 1)
        #expect(await provider.fetchCount == 1)
    }

    /// The app's own login token is asked for at each fetch (so rotating it needs no new client), and expiry is
    /// judged on the app server's clock from its `Date` header, not on a device clock two hours ahead.
    @Test func authServerProviderAsksForHeadersEachFetchAndUsesTheServersClock() async throws {
        let serverNow = Date(timeIntervalSince1970: 1_900_000_000)
        let transport = MockTransport { request, _ in
            let expiration = ISO8601DateFormatter().string(from: serverNow.addingTimeInterval(3600))
            let login = request.head.headerFields[HTTPField.Name("Authorization")!] ?? "none"
            return MockTransport.response(200, headers: ["Date": "Sun, 17 Mar 2030 17:46:40 GMT"],
                                          body: Data(#"{"StatusCode":200,"AccessKeyId":"STS.\#(login)","AccessKeySecret":"y","SecurityToken":"z","Expiration":"\#(expiration)"}"#.utf8))
        }
        let login = Locked("Bearer one")
        let device = Clock()
        device.time.withLock { $0 = serverNow.addingTimeInterval(7200) }
        let provider = AuthServerCredentialsProvider(url: URL(string: "http://127.0.0.1:9200/v1/token")!, transport: transport,
                                                     now: { device.now }, headers: { ["Authorization": login.current] })
        let first = try await provider.credentials()
        #expect(first.accessKeyId == "STS.Bearer one")
        device.advance(120)
        #expect(try await provider.credentials() == first, "fresh in the app server's time")
        #expect(transport.requests.count == 1)
        login.withLock { $0 = "Bearer two" }
        await provider.invalidate(first)
        #expect(try await provider.credentials().accessKeyId == "STS.Bearer two")
    }
}
