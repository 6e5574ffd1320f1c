import Foundation
import SiloClient
import SiloCore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every SDK operation against a real `silo server`, signed with V1 and with V4.
@Suite(.serialized) struct ObjectOperationTests {
    @Test(arguments: SignatureVersion.allCases)
    func putGetHeadCopyAppendDelete(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
        let client = server.client(version)
        let bucket = client.bucket("sdk-\(version.rawValue)")
        try await bucket.create()

        // put from Data, with metadata and an explicit type
        let data = testBytes(300_000)
        var options = ObjectOptions(contentType: "image/jpeg", metadata: ["Owner": "alice"])
        options.cacheControl = "no-cache"
        let written = try await bucket.put("dir/ü photo.jpg", data: data, options: options)
        #expect(written.etag == ContentMD5.hex(of: data))
        #expect(written.crc64 == CRC64.checksum(data))
        let info = try await bucket.head("dir/ü photo.jpg")
        #expect(info.size == 300_000)
        #expect(info.contentType == "image/jpeg")
        #expect(info.metadata["owner"] == "alice")
        #expect(info.crc64 == CRC64.checksum(data))
        #expect(try await bucket.get("dir/ü photo.jpg") == data)
        #expect(try await bucket.get("dir/ü photo.jpg", range: ByteRangeSpec(1000...1999)) == data[1000...1999])
        #expect(try await bucket.get("dir/ü photo.jpg", range: ByteRangeSpec(from: 299_990)) == data[299_990...])

        // put from a file and a stream of unknown length; get into a file and as a stream
        let file = try temporaryFile(testBytes(1_500_000, seed: 2))
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try await bucket.put("from-file.bin", file: file)
        let chunks = (0..<5).map { testBytes(70_000, seed: UInt64(10 + $0)) }
        let stream = AsyncStream<Data> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        let streamed = try await bucket.put("from-stream.bin", stream: ByteStream(stream), length: nil)
        #expect(streamed.crc64 == CRC64.checksum(chunks.reduce(Data(), +)))
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("silo-get-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: target) }
        _ = try await bucket.get("from-file.bin", toFile: target)
        #expect(try Data(contentsOf: target) == Data(contentsOf: file))
        var received = Data()
        let download = try await bucket.stream("from-stream.bin")
        for try await chunk in download.bytes { received.append(chunk) }
        #expect(received == chunks.reduce(Data(), +))
        #expect(download.info.size == 350_000)

        // copy within the bucket, replacing the metadata
        var replaced = ObjectOptions(contentType: "text/plain", metadata: ["copied": "yes"])
        replaced.forbidOverwrite = true
        _ = try await bucket.copy(from: "dir/ü photo.jpg", to: "copy.txt", options: replaced)
        let copied = try await bucket.head("copy.txt")
        #expect(copied.metadata == ["copied": "yes"])
        #expect(copied.crc64 == CRC64.checksum(data))
        do {
            _ = try await bucket.copy(from: "dir/ü photo.jpg", to: "copy.txt", options: replaced)
            Issue.record("forbid-overwrite was ignored")
        } catch let error as OSSClientError {
            #expect(error.code == "FileAlreadyExists")
        }

        // append twice, checking the combined CRC end to end
        let first = try await bucket.append("log.txt", data: Data("hello ".utf8), position: 0)
        #expect(first.nextAppendPosition == 6)
        let second = try await bucket.append("log.txt", data: Data("world".utf8), position: 6, previousCRC: first.crc64)
        #expect(second.nextAppendPosition == 11)
        #expect(try await bucket.get("log.txt") == Data("hello world".utf8))
        do {
            _ = try await bucket.append("log.txt", data: Data("!".utf8), position: 3)
            Issue.record("a wrong position was accepted")
        } catch let error as OSSClientError {
            #expect(error.code == "PositionNotEqualToLength")
        }

        // errors carry the server's code and request id
        do {
            _ = try await bucket.get("missing")
            Issue.record("no error")
        } catch let error as OSSClientError {
            guard case .server(let status, let code, _, let requestId, _) = error else { throw error }
            #expect(status == 404 && code == "NoSuchKey" && !requestId.isEmpty)
        }
        #expect(try await bucket.exists("missing") == false)

        // An error answered before a streamed body is read still reaches the client as its document.
        do {
            _ = try await client.bucket("no-such-bucket-\(version.rawValue)").put("x.bin", file: file)
            Issue.record("no error")
        } catch let error as OSSClientError {
            #expect(error.code == "NoSuchBucket")
        }
        do {
            _ = try await bucket.uploadPart("x.bin", uploadId: "0000DEADBEEF", partNumber: 1,
                                            body: .file(file, offset: 0, length: 1_500_000))
            Issue.record("no error")
        } catch let error as OSSClientError {
            #expect(error.code == "NoSuchUpload")
        }

        // delete one, then the rest in a batch, then the bucket
        try await bucket.delete("copy.txt")
        #expect(try await bucket.exists("copy.txt") == false)
        let remaining = try await bucket.list().collect().compactMap { entry -> String? in
            if case .object(let object) = entry { return object.key }
            return nil
        }
        #expect(Set(try await bucket.delete(keys: remaining)) == Set(remaining))
        #expect(try await bucket.list().collect().isEmpty)
        try await bucket.delete()
        #expect(try await client.listBuckets().contains { $0.name == bucket.name } == false)
        }
    }

    @Test(arguments: SignatureVersion.allCases)
    func listingPagesAndGroups(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
        let bucket = server.client(version).bucket("list-\(version.rawValue)")
        try await bucket.create()
        let keys = (0..<23).map { String(format: "photos/%02d.jpg", $0) } + ["photos/2024/a.jpg", "photos/2025/b.jpg", "readme"]
        for key in keys { _ = try await bucket.put(key, data: Data(key.utf8)) }

        var all: [String] = []
        for try await entry in bucket.list(pageSize: 4) {
            if case .object(let object) = entry { all.append(object.key) }
        }
        #expect(all == keys.sorted())

        let grouped = try await bucket.list(prefix: "photos/", delimiter: "/", pageSize: 5).collect()
        #expect(grouped.contains(.commonPrefix("photos/2024/")))
        #expect(grouped.contains(.commonPrefix("photos/2025/")))
        #expect(grouped.count == 25)
        // Byte order: "photos/2024/…" sorts before "photos/21.jpg".
        let after = try await bucket.list(startAfter: "photos/21.jpg").collect()
        #expect(after.map { entry -> String in
            if case .object(let object) = entry { return object.key }
            return ""
        } == ["photos/22.jpg", "readme"])
        }
    }

    @Test(arguments: SignatureVersion.allCases)
    func multipartPrimitives(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
        let bucket = server.client(version).bucket("mp-\(version.rawValue)")
        try await bucket.create()
        let parts = (1...3).map { testBytes($0 == 3 ? 50_000 : 200_000, seed: UInt64($0)) }
        let uploadId = try await bucket.initiateMultipartUpload("big.bin", options: ObjectOptions(contentType: "video/mp4"))
        #expect(try await bucket.listMultipartUploads().map(\.uploadId) == [uploadId])
        var uploaded: [UploadedPart] = []
        for number in [3, 1, 2] {
            uploaded.append(try await bucket.uploadPart("big.bin", uploadId: uploadId, partNumber: number,
                                                        body: .data(parts[number - 1])))
        }
        let listed = try await bucket.listParts("big.bin", uploadId: uploadId)
        #expect(listed.map(\.partNumber) == [1, 2, 3])
        #expect(listed.map(\.crc64) == parts.map { CRC64.checksum($0) })
        let whole = parts.reduce(Data(), +)
        let result = try await bucket.completeMultipartUpload("big.bin", uploadId: uploadId, parts: uploaded,
                                                              expectedCRC: CRC64.checksum(whole))
        #expect(result.etag.hasSuffix("-3"))
        #expect(try await bucket.get("big.bin") == whole)
        #expect(try await bucket.head("big.bin").contentType == "video/mp4")
        #expect(try await bucket.listMultipartUploads().isEmpty)

        let abandoned = try await bucket.initiateMultipartUpload("gone.bin")
        try await bucket.abortMultipartUpload("gone.bin", uploadId: abandoned)
        do {
            _ = try await bucket.listParts("gone.bin", uploadId: abandoned)
            Issue.record("aborted upload still listed")
        } catch let error as OSSClientError {
            #expect(error.code == "NoSuchUpload")
        }
        await #expect(throws: OSSClientError.self) {
            _ = try await bucket.uploadPart("x", uploadId: "u", partNumber: 10_001, body: .data(Data()))
        }
        }
    }

    @Test(arguments: SignatureVersion.allCases)
    func presignedURLsWorkWithoutCredentials(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
        let bucket = server.client(version).bucket("presign-\(version.rawValue)")
        try await bucket.create()
        let payload = Data("presigned body".utf8)
        let putURL = try await bucket.presignedURL("up/load.txt", method: .put, expiresIn: .seconds(600),
                                                   headers: ["Content-Type": "text/plain"])
        var put = URLRequest(url: putURL)
        put.httpMethod = "PUT"
        put.setValue("text/plain", forHTTPHeaderField: "Content-Type")
        let (_, putResponse) = try await PlainHTTP.send(put, body: payload)
        #expect(putResponse == 200)
        let getURL = try await bucket.presignedURL("up/load.txt", expiresIn: .seconds(600))
        let (body, status) = try await PlainHTTP.send(URLRequest(url: getURL))
        #expect(status == 200)
        #expect(body == payload)
        // Tampering with the key breaks the signature.
        let forged = URL(string: getURL.absoluteString.replacingOccurrences(of: "load.txt", with: "other.txt"))!
        #expect(try await PlainHTTP.send(URLRequest(url: forged)).1 == 403)
        }
    }
}
