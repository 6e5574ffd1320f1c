import Foundation
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

    @Test func refreshesFiveMinutesBeforeExpiry() async throws {
        let counter = Locked(0)
        let provider = RefreshingCredentialsProvider {
            let n = counter.withLock { count -> Int in
                count += 1
                return count
            }
            // The first token has 4 minutes left: already inside the refresh window.
            return Self.credentials("STS.\(n)", expiresIn: n == 1 ? 240 : 3600)
        }
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(try await provider.credentials().accessKeyId == "STS.2")
        #expect(try await provider.credentials().accessKeyId == "STS.2")
        #expect(await provider.fetchCount == 2)
    }

    @Test func aFailedRefreshReachesEveryWaiterAndTheNextCallTriesAgain() async throws {
        let fail = Locked(true)
        let provider = RefreshingCredentialsProvider {
            try await Task.sleep(nanoseconds: 20_000_000)
            if fail.current { throw URLError(.cannotConnectToHost) }
            return Self.credentials("STS.ok", expiresIn: 3600)
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
        fail.withLock { $0 = false }
        #expect(try await provider.credentials().accessKeyId == "STS.ok")
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
}
