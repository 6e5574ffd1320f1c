import Testing

@testable import SiloHTTP

/// Bucket resolution from the Host header (spec §1.1).
@Suite struct AddressingTests {
    @Test(arguments: [
        ("photos.silo.test", ["silo.test"], "photos"),
        ("photos.silo.test", ["other.test", "silo.test"], "photos"),
        ("silo.test", ["silo.test"], nil),
        ("a.b.silo.test", ["silo.test"], nil),
        ("photos.silo.test", [], nil),
        ("127.0.0.1", ["silo.test"], nil),
        ("evilsilo.test", ["silo.test"], nil),
    ] as [(String, [String], String?)])
    func virtualHostedBucket(host: String, domains: [String], bucket: String?) {
        #expect(OSSRequest.virtualHostBucket(host, domains: domains) == bucket)
    }

    @Test(arguments: [("127.0.0.1:9000", "127.0.0.1"), ("Photos.Silo.Test:80", "photos.silo.test"),
                      ("[::1]:9000", "[::1]:9000"), ("localhost", "localhost")])
    func hostNameDropsThePort(host: String, name: String) {
        #expect(OSSRequest.hostName(host) == name)
    }
}
