import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// PutBucketVersioning, GetBucketVersioning and ListObjectVersions: parse, call the bucket service or the
/// store's version listing, render.
enum VersioningHandlers {
    static func get(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(VersioningConfiguration(status: call.bucket.versioning?.rawValue))
    }

    /// Only `Enabled` and `Suspended` exist: a missing or other status is MalformedXML, as OSS answers.
    static func put(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: VersioningConfiguration.maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let document = try XMLBody.decode(VersioningConfiguration.self, from: bytes, root: "VersioningConfiguration",
                                          maxElements: 8)
        guard let status = document.status.flatMap(VersioningStatus.init(rawValue:)) else { throw OSSError.malformedXML }
        try await oss.domain.buckets.update(call.bucket.name, .versioning(status))
        return Responses.empty()
    }

    /// ListObjectVersions: OSS bounds the prefix, the markers and the delimiter to 1,024 bytes each and max-keys
    /// to 1,000, answering InvalidArgument past them.
    static func list(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let query = call.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        let keyMarker = query["key-marker"] ?? ""
        let versionIdMarker = query["version-id-marker"] ?? ""
        for (name, value) in [("prefix", prefix), ("key-marker", keyMarker), ("version-id-marker", versionIdMarker),
                              ("delimiter", delimiter)] where value.utf8.count > 1024 {
            throw OSSError.invalidArgument("The \(name) parameter is longer than 1024 bytes.", name: name)
        }
        if !versionIdMarker.isEmpty, !VersionID.isWellFormed(versionIdMarker) {
            throw OSSError.invalidArgument("Invalid version id specified", name: "version-id-marker", value: versionIdMarker)
        }
        let maxKeys = try Listing.maxKeys(query, name: "max-keys", default: 100)
        let encoding = try Listing.encodingType(query)
        let listing = try await oss.metadata.listVersions(VersionListQuery(
            bucket: call.bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter,
            keyMarker: keyMarker.isEmpty ? nil : keyMarker, versionIdMarker: versionIdMarker.isEmpty ? nil : versionIdMarker,
            limit: maxKeys))
        let entries: [ListVersionsResult.Entry] = listing.entries.map { entry in
            switch entry {
            case .commonPrefix(let prefix): return .commonPrefix(prefix)
            case .version(.object(let record), let isLatest):
                return .version(VersionSummary(key: record.key, versionId: record.versionName, isLatest: isLatest,
                                               lastModified: record.lastModified, object: record.summary))
            case .version(.deleteMarker(let marker), let isLatest):
                return .version(VersionSummary(key: marker.key, versionId: marker.versionId, isLatest: isLatest,
                                               lastModified: marker.lastModified, object: nil))
            }
        }
        return Responses.xml(ListVersionsResult(
            bucket: call.bucket.name, prefix: prefix, keyMarker: keyMarker, versionIdMarker: versionIdMarker,
            maxKeys: maxKeys, delimiter: delimiter, encoding: encoding, entries: entries, isTruncated: listing.isTruncated,
            nextKeyMarker: listing.nextKeyMarker, nextVersionIdMarker: listing.nextVersionIdMarker,
            owner: oss.settings.owner))
    }
}
