import Hummingbird
import SiloCore
import SiloStorage

extension OSSService {
    func listBuckets(_ request: OSSRequest, caller: Caller) async throws -> Response {
        try await authorize(caller, .listBuckets, bucket: nil)
        let prefix = request.query["prefix"] ?? ""
        let marker = request.query["marker"] ?? ""
        let maxKeys = try Listing.maxKeys(request.query, name: "max-keys", default: 100)
        let buckets = try await metadata.listBuckets(prefix: prefix, after: marker, limit: maxKeys + 1)
        let page = Array(buckets.prefix(maxKeys))
        let truncated = buckets.count > maxKeys
        let document = ListAllMyBucketsResult(
            prefix: prefix, marker: marker, maxKeys: maxKeys, nextMarker: truncated ? page.last?.name : nil,
            owner: settings.owner,
            buckets: page.map {
                BucketSummary(name: $0.name, creationDate: $0.createdAt, storageClass: $0.storageClass, location: settings.location)
            })
        return Responses.xml(document)
    }
}

/// Shared parsing of listing parameters.
enum Listing {
    static func maxKeys(_ query: QueryParameters, name: String, default defaultValue: Int, maximum: Int = 1000) throws -> Int {
        guard let text = query.nonEmpty(name) else { return defaultValue }
        guard let value = Int(text), value >= 1, value <= maximum else {
            throw OSSError.invalidArgument("\(name) must be an integer between 1 and \(maximum).", name: name, value: text)
        }
        return value
    }
}
