import Foundation
import Testing

@testable import SiloCore

/// What the server renders, the client decodes back to the same values, with and without `encoding-type=url`.
@Suite struct ResponseDecodingTests {
    static func roundTrip<T: XMLRenderable & Decodable>(_ document: T) throws -> T {
        try XMLResponse.decode(T.self, from: Data(document.xmlBytes()))
    }

    static let awkwardKeys = ["plain.txt", "dir/sub dir/ü+&<>.jpg", "ctrl\u{0C}char", "%2F literal"]

    @Test(arguments: [nil, EncodingType.url])
    func listObjectsV2(encoding: EncodingType?) throws {
        let objects = Self.awkwardKeys.enumerated().map { index, key in
            ObjectSummary(key: key, lastModified: 1_735_689_600 + Int64(index), etag: "5EB63BBBE01EEED093CB22BB8F5ACDC3",
                          type: index == 1 ? .multipart : .normal, size: Int64(index * 1000), storageClass: .standard)
        }
        let page = ListingPage(objects: objects, commonPrefixes: ["photos/ä/"], nextMarker: "photos/ä/")
        let document = ListBucketV2Result(bucket: "b", prefix: "p&", startAfter: "a b", continuationToken: nil,
                                          nextContinuationToken: "70686f746f73", maxKeys: 5, delimiter: "/",
                                          encoding: encoding, page: page, owner: nil)
        let decoded = try Self.roundTrip(document)
        #expect(decoded.page.objects == objects)
        #expect(decoded.page.commonPrefixes == ["photos/ä/"])
        #expect(decoded.nextContinuationToken == "70686f746f73")
        #expect(decoded.prefix == "p&")
        #expect(decoded.startAfter == "a b")
        #expect(decoded.delimiter == "/")
        #expect(decoded.maxKeys == 5)
    }

    @Test func lastPageHasNoContinuation() throws {
        let document = ListBucketV2Result(bucket: "b", prefix: "", startAfter: nil, continuationToken: nil,
                                          nextContinuationToken: nil, maxKeys: 100, delimiter: "", encoding: nil,
                                          page: ListingPage(objects: [], commonPrefixes: [], nextMarker: nil), owner: nil)
        let decoded = try Self.roundTrip(document)
        #expect(decoded.nextContinuationToken == nil)
        #expect(decoded.page.objects.isEmpty)
    }

    @Test(arguments: [nil, EncodingType.url])
    func listParts(encoding: EncodingType?) throws {
        let parts = (1...3).map {
            PartSummary(partNumber: $0, lastModified: 1_735_689_600, etag: "0CC175B9C0F1B6A831C399E269772661",
                        crc64: UInt64.max - UInt64($0), size: 102_400)
        }
        let document = ListPartsResult(bucket: "b", key: "dir/ü x", uploadId: "0004B9894A22E5B1888A1E29F823****",
                                       partNumberMarker: 0, maxParts: 3, isTruncated: true, parts: parts, encoding: encoding)
        let decoded = try Self.roundTrip(document)
        #expect(decoded.parts == parts)
        #expect(decoded.key == "dir/ü x")
        #expect(decoded.isTruncated)
        #expect(decoded.nextPartNumberMarker == 3)
    }

    @Test func multipartResults() throws {
        let initiated = try Self.roundTrip(InitiateMultipartUploadResult(bucket: "b", key: "a/ü", uploadId: "U1", encoding: .url))
        #expect(initiated.key == "a/ü")
        #expect(initiated.uploadId == "U1")
        let completed = try Self.roundTrip(CompleteMultipartUploadResult(
            location: "http://b.example/a", bucket: "b", key: "a", etag: "ABC-2", encoding: nil))
        #expect(completed.etag == "ABC-2")
        #expect(completed.location == "http://b.example/a")
    }

    @Test func copyAndDeleteResults() throws {
        let copy = try Self.roundTrip(CopyObjectResult(etag: "ABC", lastModified: 1_735_689_600))
        #expect(copy.etag == "ABC")
        #expect(copy.lastModified == 1_735_689_600)
        let deleted = try Self.roundTrip(DeleteResult(deleted: Self.awkwardKeys.map { DeleteResult.Deleted(key: $0) },
                                                       encoding: .url))
        #expect(deleted.deleted.map(\.key) == Self.awkwardKeys)
        let versioned = [DeleteResult.Deleted(key: "a", versionId: "null"),
                         DeleteResult.Deleted(key: "b", deleteMarker: true, deleteMarkerVersionId: "00000000000000000000000000000001")]
        #expect(try Self.roundTrip(DeleteResult(deleted: versioned, encoding: nil)).deleted == versioned)
    }

    @Test func bucketList() throws {
        let location = BucketLocation(region: "cn-hangzhou", extranetEndpoint: "127.0.0.1:9000", intranetEndpoint: "127.0.0.1:9000")
        let buckets = [BucketSummary(name: "a", creationDate: 1_735_689_600, storageClass: .ia, location: location)]
        let decoded = try Self.roundTrip(ListAllMyBucketsResult(
            prefix: "", marker: "", maxKeys: 100, nextMarker: nil, owner: Owner(id: "123"), buckets: buckets))
        #expect(decoded.buckets == buckets)
        #expect(decoded.owner.id == "123")
    }

    @Test func errorDocument() throws {
        let error = OSSError(status: 404, code: "NoSuchKey", message: "The specified key does not exist.")
        let decoded = try XMLResponse.decode(ErrorResponse.self, from: Data(ErrorDocument(
            error: error, requestId: "RID1", hostId: "h").xmlBytes()))
        #expect(decoded.code == "NoSuchKey")
        #expect(decoded.message == "The specified key does not exist.")
        #expect(decoded.requestId == "RID1")
    }

    @Test func requestBodiesParseOnTheServerSide() throws {
        let complete = CompleteMultipartUploadRequest(parts: [.init(partNumber: 1, etag: "A"), .init(partNumber: 2, etag: "B")])
        let parsed = try XMLBody.decode(CompleteMultipartUploadRequest.self, from: complete.xmlBytes(),
                                        root: "CompleteMultipartUpload")
        #expect(parsed.parts.map(\.partNumber) == [1, 2])
        #expect(parsed.parts.map(\.etag) == ["\"A\"", "\"B\""])
        let delete = try XMLBody.decode(DeleteRequest.self, from: DeleteObjectsBody(keys: Self.awkwardKeys, quiet: true).xmlBytes(),
                                        root: "Delete")
        #expect(delete.quiet)
        #expect(delete.objects.map(\.key) == Self.awkwardKeys)
    }
}

extension ResponseDecodingTests {
    @Test func multipartUploadList() throws {
        let uploads = [MultipartUploadSummary(key: "a/ü x", uploadId: "U1", initiated: 1_735_689_600),
                       MultipartUploadSummary(key: "b", uploadId: "U2", initiated: 1_735_689_601)]
        let decoded = try Self.roundTrip(ListMultipartUploadsResult(
            bucket: "b", prefix: "", delimiter: "/", keyMarker: "", uploadIdMarker: "", maxUploads: 2, encoding: .url,
            uploads: uploads, commonPrefixes: ["c/"], nextKeyMarker: "b", nextUploadIdMarker: "U2", isTruncated: true))
        #expect(decoded.uploads == uploads)
        #expect(decoded.commonPrefixes == ["c/"])
        #expect(decoded.nextKeyMarker == "b")
        #expect(decoded.isTruncated)
    }
}
