import Testing

@testable import SiloCore

/// The listing documents are written by hand, byte by byte (a page of 1,000 entries is on the hot path), so their
/// exact bytes are pinned here against the shape of spec §9.8.
@Suite struct ListingDocumentsTests {
    static let owner = Owner(id: "0022012", displayName: "user-example")

    static func page(nextMarker: String? = nil) -> ListingPage {
        ListingPage(
            objects: [
                ObjectSummary(key: "fun/test.jpg", lastModified: 1_330_072_952, etag: "5B3C1A2E053D763E1B002CC607C5A0FE",
                              type: .normal, size: 344_606, storageClass: .standard),
                ObjectSummary(key: "fun/a&b<c>'d\".txt", lastModified: 946_684_799, etag: "C38E53E4AF8BE94CE49F04578C6B5D86-6",
                              type: .multipart, size: 0, storageClass: .ia),
            ],
            commonPrefixes: ["fun/movie/"], nextMarker: nextMarker)
    }

    static let contents = """
        <Contents><Key>fun/test.jpg</Key><LastModified>2012-02-24T08:42:32.000Z</LastModified>\
        <ETag>&quot;5B3C1A2E053D763E1B002CC607C5A0FE&quot;</ETag><Type>Normal</Type><Size>344606</Size>\
        <StorageClass>Standard</StorageClass><Owner><ID>0022012</ID><DisplayName>user-example</DisplayName></Owner>\
        </Contents>\
        <Contents><Key>fun/a&amp;b&lt;c&gt;&apos;d&quot;.txt</Key><LastModified>1999-12-31T23:59:59.000Z</LastModified>\
        <ETag>&quot;C38E53E4AF8BE94CE49F04578C6B5D86-6&quot;</ETag><Type>Multipart</Type><Size>0</Size>\
        <StorageClass>IA</StorageClass><Owner><ID>0022012</ID><DisplayName>user-example</DisplayName></Owner>\
        </Contents>
        """

    @Test func listObjectsV1RendersEveryEntryWithItsOwner() {
        let result = ListBucketResult(bucket: "examplebucket", prefix: "fun/", marker: "", maxKeys: 100, delimiter: "/",
                                      encoding: nil, page: Self.page(nextMarker: "fun/test.jpg"), owner: Self.owner)
        #expect(result.xmlString() == """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult><Name>examplebucket</Name><Prefix>fun/</Prefix><Marker></Marker><MaxKeys>100</MaxKeys>\
            <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><NextMarker>fun/test.jpg</NextMarker>\
            \(Self.contents)<CommonPrefixes><Prefix>fun/movie/</Prefix></CommonPrefixes></ListBucketResult>
            """)
    }

    @Test func urlEncodingAppliesToKeysAndPrefixes() {
        let result = ListBucketResult(bucket: "examplebucket", prefix: "fun/", marker: "", maxKeys: 100, delimiter: "/",
                                      encoding: .url, page: Self.page(), owner: Self.owner)
        let xml = result.xmlString()
        #expect(xml.contains("<Prefix>fun%2F</Prefix>"))
        #expect(xml.contains("<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents>"))
        #expect(xml.contains("<Key>fun%2Fa%26b%3Cc%3E%27d%22.txt</Key>"))
        #expect(xml.contains("<CommonPrefixes><Prefix>fun%2Fmovie%2F</Prefix></CommonPrefixes>"))
    }

    @Test func listObjectsV2LeavesTheOwnerOutUnlessAskedFor() {
        let withoutOwner = ListBucketV2Result(bucket: "b", prefix: "", startAfter: nil, continuationToken: nil,
                                              nextContinuationToken: nil, maxKeys: 1000, delimiter: "", encoding: nil,
                                              page: Self.page(), owner: nil).xmlString()
        #expect(!withoutOwner.contains("<Owner>"))
        #expect(withoutOwner.contains("<KeyCount>3</KeyCount>"))
        #expect(withoutOwner.contains("<StorageClass>Standard</StorageClass></Contents>"))
        let withOwner = ListBucketV2Result(bucket: "b", prefix: "", startAfter: nil, continuationToken: nil,
                                           nextContinuationToken: nil, maxKeys: 1000, delimiter: "", encoding: nil,
                                           page: Self.page(), owner: Self.owner).xmlString()
        #expect(withOwner.contains(Self.contents))
    }

    @Test func versionListingRendersVersionsAndDeleteMarkersEachWithTheOwner() {
        let version = VersionSummary(
            key: "fun/a&b.txt", versionId: "CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFkODgzZjNhOTM2",
            isLatest: true, lastModified: 1_330_072_952,
            object: ObjectSummary(key: "fun/a&b.txt", lastModified: 1_330_072_952,
                                  etag: "5B3C1A2E053D763E1B002CC607C5A0FE", type: .normal, size: 344_606,
                                  storageClass: .standard))
        let marker = VersionSummary(key: "fun/gone.txt", versionId: "null", isLatest: false,
                                    lastModified: 946_684_799, object: nil)
        let result = ListVersionsResult(
            bucket: "examplebucket", prefix: "fun/", keyMarker: "", versionIdMarker: "", maxKeys: 2, delimiter: "/",
            encoding: nil, entries: [.version(version), .commonPrefix("fun/movie/"), .version(marker)],
            isTruncated: true, nextKeyMarker: "fun/gone.txt", nextVersionIdMarker: "null", owner: Self.owner)
        #expect(result.xmlString() == """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListVersionsResult><Name>examplebucket</Name><Prefix>fun/</Prefix><KeyMarker></KeyMarker>\
            <VersionIdMarker></VersionIdMarker><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>\
            <IsTruncated>true</IsTruncated><NextKeyMarker>fun/gone.txt</NextKeyMarker>\
            <NextVersionIdMarker>null</NextVersionIdMarker>\
            <Version><Key>fun/a&amp;b.txt</Key>\
            <VersionId>CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFkODgzZjNhOTM2</VersionId>\
            <IsLatest>true</IsLatest><LastModified>2012-02-24T08:42:32.000Z</LastModified>\
            <ETag>&quot;5B3C1A2E053D763E1B002CC607C5A0FE&quot;</ETag><Type>Normal</Type><Size>344606</Size>\
            <StorageClass>Standard</StorageClass><Owner><ID>0022012</ID><DisplayName>user-example</DisplayName></Owner>\
            </Version>\
            <DeleteMarker><Key>fun/gone.txt</Key><VersionId>null</VersionId><IsLatest>false</IsLatest>\
            <LastModified>1999-12-31T23:59:59.000Z</LastModified>\
            <Owner><ID>0022012</ID><DisplayName>user-example</DisplayName></Owner></DeleteMarker>\
            <CommonPrefixes><Prefix>fun/movie/</Prefix></CommonPrefixes></ListVersionsResult>
            """)
    }

    @Test func iso8601DatesAcrossTheCalendar() {
        #expect(Timestamps.iso8601(unixSeconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamps.iso8601(unixSeconds: 951_782_400) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamps.iso8601(unixSeconds: 1_796_601_605) == "2026-12-07T00:00:05.000Z")
        #expect(Timestamps.iso8601(unixSeconds: 253_402_300_799) == "9999-12-31T23:59:59.000Z")
        var bytes = Array("x".utf8)
        Timestamps.appendISO8601(unixSeconds: 1_330_072_952, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x2012-02-24T08:42:32.000Z")
    }
}
