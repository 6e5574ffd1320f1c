import Foundation
import SiloClient
import SiloCore
import Testing

/// The URLSession transport (Apple platforms' default) against a real server; on Linux it runs on
/// FoundationNetworking, which is enough to prove the delegate plumbing, signing and streaming.
@Suite(.serialized) struct URLSessionTransportTests {
    @Test(arguments: SignatureVersion.allCases)
    func objectRoundTrip(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
            var configuration = ClientConfiguration()
            configuration.signatureVersion = version
            let transport = URLSessionTransport(configuration: configuration)
            let client = OSSClient(endpoint: server.endpoint, region: SiloServerProcess.region,
                                   credentials: StaticCredentialsProvider(accessKeyId: SiloServerProcess.accessKeyId,
                                                                          accessKeySecret: SiloServerProcess.accessKeySecret),
                                   configuration: configuration, transport: transport)
            let bucket = client.bucket("urlsession-\(version.rawValue)")
            try await bucket.create()
            let data = testBytes(3 << 20, seed: 51)
            let progress = TransferProgress.Reporter(minimumInterval: .zero)
            let written = try await bucket.put("photo.jpg", data: data, progress: progress)
            #expect(written.crc64 == CRC64.checksum(data))
            #expect(try await bucket.get("photo.jpg") == data)
            #expect(try await bucket.get("photo.jpg", range: ByteRangeSpec(10...19)) == data[10...19])
            let file = try temporaryFile(testBytes(700_000, seed: 52))
            defer { try? FileManager.default.removeItem(at: file) }
            _ = try await bucket.put("doc.pdf", file: file)
            #expect(try await bucket.head("doc.pdf").size == 700_000)
            #expect(try await bucket.list().collect().count == 2)
            do {
                _ = try await bucket.get("missing")
                Issue.record("no error")
            } catch let error as OSSClientError {
                #expect(error.code == "NoSuchKey")
            }
            try await transport.shutdown()
        }
    }
}
