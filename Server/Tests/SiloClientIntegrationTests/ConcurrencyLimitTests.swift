import Foundation
import SiloClient
import SiloCore
import Testing

/// The client's request limit, observed where it matters: the server's own count of requests in flight.
@Suite(.serialized) struct ConcurrencyLimitTests {
    static func serverStats(_ client: OSSClient) async throws -> [String: Int] {
        let response = try await client.send(ClientRequest(method: .get, bucket: "-", key: "admin/v1/stats"))
        let data = try await response.body.collect(upTo: 1 << 16)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Int])
    }

    @Test(arguments: [1, 3, 5])
    func theServerNeverSeesMoreRequestsThanTheLimit(limit: Int) async throws {
        try await SiloServerProcess.with { server in
            let client = server.client(.v4) { $0.maxConcurrentRequests = limit }
            let bucket = client.bucket("limits")
            try await bucket.create()
            let payload = testBytes(1 << 20, seed: 41)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        _ = try await bucket.put("k\(index)", data: payload)
                        #expect(try await bucket.get("k\(index)") == payload)
                    }
                }
                try await group.waitForAll()
            }
            let stats = try await Self.serverStats(client)
            let peak = stats["peak"] ?? -1
            // Never above the limit; and the requests really did overlap (the server finishes a response a moment
            // before the client frees its slot, so the exact limit is not always observed on a loaded machine).
            #expect(peak <= limit, "server saw a peak of \(peak) with a limit of \(limit)")
            #expect(peak >= min(limit, 2), "server saw a peak of \(peak): the client did not run requests in parallel")
            #expect((stats["served"] ?? 0) >= 81)
        }
    }
}
