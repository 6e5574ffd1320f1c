import Hummingbird
import SiloCore
import SiloStorage

/// ListObjects and ListObjectsV2 (spec §9.8, §9.9).
enum ListingHandlers {
    static func listV1(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let query = call.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        let marker = query["marker"] ?? ""
        let maxKeys = try Listing.maxKeys(query, name: "max-keys", default: 100)
        let encoding = try Listing.encodingType(query)
        let listing = try await oss.metadata.listObjects(ListQuery(
            bucket: call.bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter,
            after: marker.isEmpty ? nil : marker, limit: maxKeys))
        return Responses.xml(ListBucketResult(
            bucket: call.bucket.name, prefix: prefix, marker: marker, maxKeys: maxKeys, delimiter: delimiter,
            encoding: encoding, page: listing.page, owner: oss.settings.owner))
    }

    static func listV2(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let query = call.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        let maxKeys = try Listing.maxKeys(query, name: "max-keys", default: 100)
        let encoding = try Listing.encodingType(query)
        let startAfter = query.nonEmpty("start-after")
        let token = query.nonEmpty("continuation-token")
        var after = startAfter
        if let token {
            guard let resume = ContinuationToken.parse(token) else {
                throw OSSError.invalidArgument("The continuation token provided is incorrect.", name: "continuation-token",
                                               value: token)
            }
            after = resume
        }
        let fetchOwner = query["fetch-owner"]?.lowercased() == "true"
        let listing = try await oss.metadata.listObjects(ListQuery(
            bucket: call.bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter, after: after,
            limit: maxKeys))
        let page = listing.page
        return Responses.xml(ListBucketV2Result(
            bucket: call.bucket.name, prefix: prefix, startAfter: startAfter, continuationToken: token,
            nextContinuationToken: page.nextMarker.map(ContinuationToken.make(resumeAfter:)), maxKeys: maxKeys,
            delimiter: delimiter, encoding: encoding, page: page, owner: fetchOwner ? oss.settings.owner : nil))
    }
}
