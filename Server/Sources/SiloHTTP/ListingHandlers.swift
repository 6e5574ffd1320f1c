import Hummingbird
import SiloCore
import SiloStorage

extension OSSService {
    func listObjects(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let query = request.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        try await authorize(caller, .listObjects, bucket: bucket, values: ["oss:Prefix": [prefix], "oss:Delimiter": [delimiter]])
        let marker = query["marker"] ?? ""
        let maxKeys = try Listing.maxKeys(query, name: "max-keys", default: 100)
        let encoding = try Self.encodingType(query)
        let listing = try await metadata.listObjects(ListQuery(
            bucket: bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter,
            after: marker.isEmpty ? nil : marker, limit: maxKeys))
        return Responses.xml(ListBucketResult(
            bucket: bucket.name, prefix: prefix, marker: marker, maxKeys: maxKeys, delimiter: delimiter,
            encoding: encoding, page: listing.page, owner: settings.owner))
    }

    func listObjectsV2(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        let query = request.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        try await authorize(caller, .listObjectsV2, bucket: bucket, values: ["oss:Prefix": [prefix], "oss:Delimiter": [delimiter]])
        let maxKeys = try Listing.maxKeys(query, name: "max-keys", default: 100)
        let encoding = try Self.encodingType(query)
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
        let listing = try await metadata.listObjects(ListQuery(
            bucket: bucket.name, prefix: prefix, delimiter: delimiter.isEmpty ? nil : delimiter, after: after,
            limit: maxKeys))
        let page = listing.page
        return Responses.xml(ListBucketV2Result(
            bucket: bucket.name, prefix: prefix, startAfter: startAfter, continuationToken: token,
            nextContinuationToken: page.nextMarker.map(ContinuationToken.make(resumeAfter:)), maxKeys: maxKeys,
            delimiter: delimiter, encoding: encoding, page: page, owner: fetchOwner ? settings.owner : nil))
    }

    static func encodingType(_ query: QueryParameters) throws -> EncodingType? {
        guard let value = query.nonEmpty("encoding-type") else { return nil }
        guard let encoding = EncodingType(query: value) else {
            throw OSSError.invalidArgument("The encoding-type must be url.", name: "encoding-type", value: value)
        }
        return encoding
    }
}
