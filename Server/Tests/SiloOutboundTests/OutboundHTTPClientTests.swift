import Foundation
import NIOCore
import NIOHTTP1
import SiloOutbound
import Testing

@Suite struct OutboundHTTPClientTests {
    static let loopback = OutboundPolicy(mode: .loopback)

    @Test func aRedirectIsAnAnswerNeverFollowed() async throws {
        let internalService = try await TestHTTPServer { _ in .init(body: #"{"secret":"internal"}"#) }
        defer { Task { try? await internalService.stop() } }
        let port = internalService.port
        for status in [HTTPResponseStatus.movedPermanently, .found, .seeOther, .temporaryRedirect, .permanentRedirect] {
            let redirector = try await TestHTTPServer { _ in
                .init(status: status, headers: [("Location", "http://127.0.0.1:\(port)/secret")], body: "")
            }
            let client = OutboundHTTPClient(policy: Self.loopback)
            let response = try await client.execute(
                OutboundRequest(url: URL(string: "http://127.0.0.1:\(redirector.port)/callback")!, method: .POST,
                                body: ByteBuffer(string: "{}")),
                timeout: .seconds(60), maxResponseBytes: 1024)
            #expect(response.status == status)
            #expect(redirector.requests == ["/callback"])
            try await redirector.stop()
        }
        #expect(internalService.requests.isEmpty, "a redirect target was called")
    }

    @Test func connectsToTheCheckedAddressNotByName() async throws {
        let server = try await TestHTTPServer { _ in .init() }
        defer { Task { try? await server.stop() } }
        // The system cannot resolve this name; only the policy's own answer is ever used to connect.
        let client = OutboundHTTPClient(policy: Self.loopback, resolve: { name in
            name == "app.rebinding.invalid" ? [[127, 0, 0, 1]] : []
        })
        let response = try await client.execute(
            OutboundRequest(url: URL(string: "http://app.rebinding.invalid:\(server.port)/x")!),
            timeout: .seconds(60), maxResponseBytes: 1024)
        #expect(response.status == .ok)
        #expect(server.requests == ["/x"])
    }

    @Test func oneForbiddenAddressRefusesTheName() async throws {
        let client = OutboundHTTPClient(policy: OutboundPolicy(mode: .public), resolve: { _ in
            [[93, 184, 216, 34], [10, 0, 0, 7]]
        })
        await #expect(throws: OutboundError.self) {
            _ = try await client.execute(OutboundRequest(url: URL(string: "http://mixed.invalid/")!),
                                         timeout: .seconds(60), maxResponseBytes: 10)
        }
        #expect(await client.evaluate(URL(string: "http://mixed.invalid/")!)
                == .refused("resolves to a private address (policy: public)"))
    }

    @Test func thePublicPolicyRefusesEveryInternalForm() async throws {
        let client = OutboundHTTPClient(policy: OutboundPolicy(mode: .public))
        for url in ["http://127.0.0.1/", "http://localhost/", "http://[::1]/", "http://[::127.0.0.1]/",
                    "http://[::ffff:10.0.0.1]/", "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::]/",
                    "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://user:pw@8.8.8.8/",
                    "ftp://8.8.8.8/", "http://[fe80::1]/", "http://[fd00::1]/", "http://100.64.0.1/"] {
            let verdict = await client.evaluate(URL(string: url)!)
            guard case .refused = verdict else {
                Issue.record("\(url) was not refused: \(verdict)")
                continue
            }
        }
        #expect(await client.evaluate(URL(string: "http://8.8.8.8/")!) == .allowed([[8, 8, 8, 8]]))
    }

    @Test func largeAnswersAreCutOff() async throws {
        let server = try await TestHTTPServer { _ in .init(body: String(repeating: "x", count: 10_000)) }
        defer { Task { try? await server.stop() } }
        let client = OutboundHTTPClient(policy: Self.loopback)
        await #expect(throws: OutboundError.responseTooLarge) {
            _ = try await client.execute(OutboundRequest(url: URL(string: "http://127.0.0.1:\(server.port)/")!),
                                         timeout: .seconds(60), maxResponseBytes: 1000)
        }
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = try await TestHTTPServer { _ in .init(silent: true) }
        defer { Task { try? await server.stop() } }
        let client = OutboundHTTPClient(policy: Self.loopback)
        await #expect(throws: OutboundError.timedOut) {
            _ = try await client.execute(OutboundRequest(url: URL(string: "http://127.0.0.1:\(server.port)/")!),
                                         timeout: .milliseconds(300), maxResponseBytes: 1000)
        }
    }
}

@Suite struct AddressKindTests {
    static func v6(_ text: String) -> [UInt8] {
        var address = in6_addr()
        precondition(inet_pton(AF_INET6, text, &address) == 1, text)
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    @Test(arguments: [
        ([127, 0, 0, 1], AddressKind.loopback), ([10, 1, 2, 3], .private), ([172, 16, 0, 1], .private),
        ([192, 168, 1, 1], .private), ([100, 64, 0, 1], .private), ([169, 254, 169, 254], .linkLocal),
        ([224, 0, 0, 1], .multicast), ([0, 0, 0, 0], .reserved), ([255, 255, 255, 255], .reserved),
        ([192, 0, 2, 1], .reserved), ([8, 8, 8, 8], .public), ([192, 0, 0, 8], .private),
    ] as [([UInt8], AddressKind)])
    func ipv4(_ bytes: [UInt8], _ kind: AddressKind) {
        #expect(AddressKind(bytes) == kind)
    }

    @Test(arguments: [
        ("::1", AddressKind.loopback), ("::", .reserved), ("::ffff:127.0.0.1", .loopback), ("::ffff:8.8.8.8", .public),
        ("::127.0.0.1", .loopback), ("::10.0.0.1", .private), ("::ffff:0:10.0.0.1", .private),
        ("64:ff9b::7f00:1", .loopback), ("64:ff9b::a9fe:a9fe", .linkLocal), ("64:ff9b::808:808", .public),
        ("64:ff9b:1::1", .private), ("2002:7f00:1::", .loopback), ("2002:a00:1::1", .private),
        ("fe80::1", .linkLocal), ("fec0::1", .private), ("fd12:3456::1", .private), ("ff02::1", .multicast),
        ("2001:db8::1", .reserved), ("2001:0:4136:e378::1", .reserved), ("100::1", .reserved),
        ("2606:4700:4700::1111", .public), ("4000::1", .reserved),
    ] as [(String, AddressKind)])
    func ipv6(_ text: String, _ kind: AddressKind) {
        #expect(AddressKind(Self.v6(text)) == kind, "\(text)")
    }
}
