import Testing

@testable import SiloIAM

@Suite struct InMemoryNonceRegistryTests {
    @Test func aNonceIsAcceptedOnceWithinTheWindowAndAgainAfterIt() async throws {
        let registry = InMemoryNonceRegistry()
        #expect(try await registry.firstUse(of: "a", now: 100, window: 10))
        #expect(try await !registry.firstUse(of: "a", now: 110, window: 10))
        #expect(try await registry.firstUse(of: "a", now: 111, window: 10), "older than the window: forgotten")
        #expect(try await !registry.firstUse(of: "a", now: 112, window: 10), "remembered again from its new use")
    }

    @Test func expiredNoncesAreForgottenAsTimePasses() async throws {
        let registry = InMemoryNonceRegistry()
        for second in 0..<50 {
            for index in 0..<100 {
                #expect(try await registry.firstUse(of: "n\(second)-\(index)", now: Int64(second), window: 5))
            }
        }
        // Only the last six seconds' nonces (44...49) are within the window of the last call.
        #expect(registry.remembered == 600)
        #expect(try await !registry.firstUse(of: "n49-0", now: 49, window: 5))
        #expect(try await registry.firstUse(of: "n40-0", now: 49, window: 5))
    }
}
