import Foundation
import SiloClient
import SiloCore
import Testing

/// The URLSession transport (Apple platforms' default) against a real server; on Linux it runs on
/// FoundationNetworking, which is enough to prove the delegate plumbing, signing and streaming.
@Suite(.serialized) struct URLSessionTransportTests {
    static func client(_ server: SiloServerProcess, _ version: SignatureVersion) -> (OSSClient, URLSessionTransport) {
        var configuration = ClientConfiguration()
        configuration.signatureVersion = version
        let transport = URLSessionTransport(configuration: configuration)
        let client = OSSClient(endpoint: server.endpoint, region: SiloServerProcess.region,
                               credentials: StaticCredentialsProvider(accessKeyId: SiloServerProcess.accessKeyId,
                                                                      accessKeySecret: SiloServerProcess.accessKeySecret),
                               configuration: configuration, transport: transport)
        return (client, transport)
    }

    @Test(arguments: SignatureVersion.allCases)
    func objectRoundTrip(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
            let (client, transport) = Self.client(server, version)
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
            // Streams with and without a length, both drained to a spool file first.
            let chunks = (0..<4).map { testBytes(90_000, seed: UInt64(60 + $0)) }
            for (key, length) in [("known.bin", Int64(360_000)), ("unknown.bin", nil)] {
                let stream = AsyncStream<Data> { continuation in
                    for chunk in chunks { continuation.yield(chunk) }
                    continuation.finish()
                }
                let streamed = try await bucket.put(key, stream: ByteStream(stream), length: length)
                #expect(streamed.crc64 == CRC64.checksum(chunks.reduce(Data(), +)))
                #expect(try await bucket.get(key) == chunks.reduce(Data(), +))
            }
            #expect(try await bucket.list().collect().count == 4)
            do {
                _ = try await bucket.get("missing")
                Issue.record("no error")
            } catch let error as OSSClientError {
                #expect(error.code == "NoSuchKey")
            }
            try await transport.shutdown()
        }
    }

    /// Multipart upload and ranged download on URLSession: parts carry bodies without a caller-set Content-Type,
    /// which URLSession fills in after signing unless the SDK chose one first (a V4 SignatureDoesNotMatch).
    @Test(arguments: SignatureVersion.allCases)
    func resumableTransfers(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
            let (client, transport) = Self.client(server, version)
            let bucket = client.bucket("urlsession-parts-\(version.rawValue)")
            try await bucket.create()
            let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("silo-urlsession-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: checkpoints) }
            let data = testBytes(900_000, seed: 53)
            let file = try temporaryFile(data)
            defer { try? FileManager.default.removeItem(at: file) }
            var upload = ResumableUploadOptions(checkpointDirectory: checkpoints)
            upload.partSize = 256 * 1024
            upload.concurrency = 2
            let uploaded = try await bucket.resumableUpload("clip.bin", file: file, options: upload)
            #expect(uploaded.crc64 == CRC64.checksum(data))
            let target = checkpoints.appendingPathComponent("clip.out")
            var download = ResumableDownloadOptions(checkpointDirectory: checkpoints)
            download.partSize = 256 * 1024
            download.concurrency = 2
            _ = try await bucket.resumableDownload("clip.bin", to: target, options: download)
            #expect(try Data(contentsOf: target) == data)
            try await transport.shutdown()
        }
    }
}
