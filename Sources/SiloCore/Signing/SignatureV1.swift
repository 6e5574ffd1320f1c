import Crypto
import Foundation

/// Signature V1: `Authorization: OSS <AccessKeyId>:<Base64(HMAC-SHA1)>` and `?OSSAccessKeyId=&Expires=&Signature=`.
public enum SignatureV1 {
    /// Query parameters that are part of the CanonicalizedResource: the union of what every client signs.
    public static let subResources: Set<String> = [
        "acl", "append", "asyncFetch", "bucketArchiveDirectRead", "bucketInfo", "callback", "callback-var", "cname",
        "comp", "continuation-token", "cors", "delete", "encryption", "endTime", "group", "httpsConfig", "img",
        "inventory", "inventoryId", "lifecycle", "link", "live", "location", "logging", "metaQuery", "objectInfo",
        "objectMeta", "partNumber", "policy", "position", "qos", "qosInfo", "redundancyTransition", "referer",
        "regionList", "replication", "replicationLocation", "replicationProgress", "requestPayment",
        "resourceGroup", "resourcePool", "resourcePoolBuckets", "resourcePoolInfo", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "security-token", "sequential", "startTime", "stat",
        "status", "style", "styleName", "symlink", "tagging", "transferAcceleration", "uploadId", "uploads",
        "versionId", "versioning", "versions", "vod", "website", "worm", "wormExtend", "wormId", "x-oss-process",
        "x-oss-traffic-limit", "x-oss-request-payer", "x-oss-write-get-object-response", "x-oss-async-process",
        "accessPoint", "accessPointPolicy", "publicAccessBlock", "x-oss-access-point-name", "cloudboxes", "quota",
        "retention", "legalHold", "objectWorm", "overwriteConfig", "userDefinedLogFieldsConfig",
        "metadataConfiguration", "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id",
        "x-oss-ac-forward-allow", "x-oss-target-redundancy-type", "x-oss-redundancy-transition-taskid",
        "requesterQosInfo", "qosRequester",
    ]

    /// `/`, `/<bucket>/` or `/<bucket>/<raw key>`, then `?` and the sorted sub-resources with decoded values.
    public static func canonicalizedResource(
        bucket: String?, key: String?, query: QueryParameters, excluding excluded: Set<String> = []
    ) -> String {
        var resource: String
        if let bucket, !bucket.isEmpty {
            resource = "/" + bucket + "/" + (key ?? "")
        } else {
            resource = "/"
        }
        var signed: [QueryItem] = []
        var seen = Set<String>()
        for item in query.items where subResources.contains(item.name) && !excluded.contains(item.name) {
            if seen.insert(item.name).inserted { signed.append(item) }
        }
        guard !signed.isEmpty else { return resource }
        signed.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        resource += "?"
        resource += signed.map { $0.value.isEmpty ? $0.name : $0.name + "=" + $0.value }.joined(separator: "&")
        return resource
    }

    /// The string to sign. `date` is the header date (`x-oss-date` or `Date`) or, for presigned URLs, `Expires`.
    public static func stringToSign(
        _ request: SigningRequest, date: String, excludingSubResources excluded: Set<String> = []
    ) -> String {
        var out = request.method.uppercased() + "\n"
        out += (request.header("content-md5") ?? "") + "\n"
        out += (request.header("content-type") ?? "") + "\n"
        out += date + "\n"
        for (name, value) in request.canonicalHeaders(where: { $0.hasPrefix("x-oss-") }) {
            out += name + ":" + value + "\n"
        }
        out += canonicalizedResource(bucket: request.bucket, key: request.key, query: request.query, excluding: excluded)
        return out
    }

    /// The date slot of a header-signed request: `x-oss-date` wins over `Date`.
    public static func headerDate(_ request: SigningRequest) -> String? {
        request.header("x-oss-date") ?? request.header("date")
    }

    public static func signature(stringToSign: String, secret: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The value of the `Authorization` header for `request`, signed now with the headers it carries.
    public static func authorization(_ request: SigningRequest, accessKeyId: String, secret: String) -> String? {
        guard let date = headerDate(request) else { return nil }
        return "OSS " + accessKeyId + ":" + signature(stringToSign: stringToSign(request, date: date), secret: secret)
    }

    /// Parses `OSS <akid>:<signature>` (split at the last colon).
    public static func parseAuthorization(_ value: String) -> (accessKeyId: String, signature: String)? {
        guard value.hasPrefix("OSS ") else { return nil }
        let credential = value.dropFirst(4)
        guard let colon = credential.lastIndex(of: ":") else { return nil }
        let akid = String(credential[..<colon])
        let signature = String(credential[credential.index(after: colon)...])
        guard !akid.isEmpty, !signature.isEmpty else { return nil }
        return (akid, signature)
    }
}
