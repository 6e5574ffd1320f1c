import Testing

@testable import SiloCore

@Suite struct MultipartDocumentsTests {
    /// Spec §7.9: the captured response from oss2's fixtures.
    @Test func multipartETagVector() {
        let etag = MultipartETag.compute(["4DE8075FB607DF4D13FBC480EA488EFA", "AF947EC157726CEA88ED83B3C989063B"])
        #expect(etag == "1C787C506EABFB9B45EAAA8DB039F4B2-2")
        #expect(MultipartETag.compute(["4de8075fb607df4d13fbc480ea488efa", "af947ec157726cea88ed83b3c989063b"]) == etag)
    }

    @Test func completeRequestParsesTheSDKForms() throws {
        // oss2 quotes ETags; iOS puts newlines between elements; the v2 SDK passes them as given.
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <CompleteMultipartUpload>
              <Part>
                <PartNumber>1</PartNumber>
                <ETag>"4DE8075FB607DF4D13FBC480EA488EFA"</ETag>
              </Part>
              <Part><PartNumber>5</PartNumber><ETag>af947ec157726cea88ed83b3c989063b</ETag></Part>
            </CompleteMultipartUpload>
            """
        let request = try XMLBody.decode(CompleteMultipartUploadRequest.self, from: Array(body.utf8), root: "CompleteMultipartUpload")
        #expect(request.parts == [
            .init(partNumber: 1, etag: "\"4DE8075FB607DF4D13FBC480EA488EFA\""),
            .init(partNumber: 5, etag: "af947ec157726cea88ed83b3c989063b"),
        ])
    }

    @Test(arguments: [
        "",
        "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>A</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><ETag>A</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
        "<Complete><Part><PartNumber>1</PartNumber><ETag>A</ETag></Part></Complete>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>A</ETag>",
    ])
    func malformedCompleteRequests(body: String) {
        #expect(throws: OSSError.malformedXML) {
            try XMLBody.decode(CompleteMultipartUploadRequest.self, from: Array(body.utf8), root: "CompleteMultipartUpload")
        }
    }

    @Test func emptyPartListParses() throws {
        let request = try XMLBody.decode(CompleteMultipartUploadRequest.self,
                                         from: Array("<CompleteMultipartUpload/>".utf8), root: "CompleteMultipartUpload")
        #expect(request.parts.isEmpty)
    }

    @Test func listPartsAlwaysCarriesTheNextMarkerAndPartCRCs() {
        let empty = ListPartsResult(bucket: "b", key: "k", uploadId: "U", partNumberMarker: 7, maxParts: 1000,
                                    isTruncated: false, parts: [], encoding: nil).xmlString()
        #expect(empty.contains("<NextPartNumberMarker>7</NextPartNumberMarker>"))
        let part = PartSummary(partNumber: 3, lastModified: 1_329_980_494, etag: "3349DC700140D7F86A0784842780B9C1",
                               crc64: 1_234_567_890_123_456_789, size: 6_291_456)
        let xml = ListPartsResult(bucket: "b", key: "dir/a b", uploadId: "U", partNumberMarker: 0, maxParts: 1,
                                  isTruncated: true, parts: [part], encoding: .url).xmlString()
        #expect(xml.contains("<EncodingType>url</EncodingType>"))
        #expect(xml.contains("<Key>dir%2Fa%20b</Key>"))
        #expect(xml.contains("<NextPartNumberMarker>3</NextPartNumberMarker>"))
        #expect(xml.contains("<IsTruncated>true</IsTruncated>"))
        #expect(xml.contains("""
            <Part><PartNumber>3</PartNumber><LastModified>2012-02-23T07:01:34.000Z</LastModified>\
            <ETag>&quot;3349DC700140D7F86A0784842780B9C1&quot;</ETag><HashCrc64ecma>1234567890123456789</HashCrc64ecma>\
            <Size>6291456</Size></Part>
            """))
    }

    @Test func initiateAndCompleteResults() {
        let initiate = InitiateMultipartUploadResult(bucket: "b", key: "a/b.bin", uploadId: "0004B9894A22E5B1888A1E29F8230000",
                                                     encoding: nil).xmlString()
        #expect(initiate.hasSuffix("""
            <InitiateMultipartUploadResult><Bucket>b</Bucket><Key>a/b.bin</Key>\
            <UploadId>0004B9894A22E5B1888A1E29F8230000</UploadId></InitiateMultipartUploadResult>
            """))
        let complete = CompleteMultipartUploadResult(location: "http://b.example/k", bucket: "b", key: "k",
                                                     etag: "1C787C506EABFB9B45EAAA8DB039F4B2-2", encoding: nil).xmlString()
        #expect(complete.contains("<ETag>&quot;1C787C506EABFB9B45EAAA8DB039F4B2-2&quot;</ETag>"))
        #expect(complete.contains("<Location>http://b.example/k</Location>"))
    }

    @Test func uploadListingKeepsEmptyNextMarkers() {
        let xml = ListMultipartUploadsResult(
            bucket: "b", prefix: "", delimiter: "/", keyMarker: "", uploadIdMarker: "", maxUploads: 1000, encoding: .url,
            uploads: [MultipartUploadSummary(key: "a b", uploadId: "U1", initiated: 0)], commonPrefixes: ["dir/"],
            nextKeyMarker: "", nextUploadIdMarker: "", isTruncated: false).xmlString()
        #expect(xml.contains("<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>"))
        #expect(xml.contains("<Upload><Key>a%20b</Key><UploadId>U1</UploadId><Initiated>1970-01-01T00:00:00.000Z</Initiated></Upload>"))
        #expect(xml.contains("<CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>"))
    }
}
