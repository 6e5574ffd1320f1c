import HTTPTypes
import SiloCore

/// The OSS operation a request names, derived from method, addressing, sub-resources and headers.
enum Route: Sendable, Hashable {
    // service
    case listBuckets
    // bucket
    case putBucket, deleteBucket, getBucketInfo, headBucket, getBucketLocation, getBucketStat
    case getBucketACL, putBucketACL
    case getBucketCORS, putBucketCORS, deleteBucketCORS
    case getBucketPolicy, putBucketPolicy, deleteBucketPolicy
    case getBucketStyle, listBucketStyles, putBucketStyle, deleteBucketStyle
    case listObjects, listObjectsV2, deleteMultipleObjects, listLiveChannels, listMultipartUploads
    // object
    case putObject, postObject, copyObject, appendObject, getObject, headObject, getObjectMeta, deleteObject
    case getObjectACL, putObjectACL, putSymlink, getSymlink
    /// POST `?x-oss-process` with `sys/saveas`: processes the object into another.
    case processObject
    // multipart
    case initiateMultipartUpload, uploadPart, uploadPartCopy, completeMultipartUpload, abortMultipartUpload, listParts
    /// A sub-resource or header Silo does not implement; carries the feature name for the error.
    case unsupported(String)
    /// A method the addressed resource does not have.
    case methodNotAllowed

    /// The RAM action the route is authorized as (spec §16.3).
    var action: String {
        switch self {
        case .listBuckets: return "oss:ListBuckets"
        case .putBucket: return "oss:PutBucket"
        case .deleteBucket: return "oss:DeleteBucket"
        case .getBucketInfo, .headBucket: return "oss:GetBucketInfo"
        case .getBucketLocation: return "oss:GetBucketLocation"
        case .getBucketStat: return "oss:GetBucketStat"
        case .getBucketACL: return "oss:GetBucketAcl"
        case .putBucketACL: return "oss:PutBucketAcl"
        case .getBucketCORS: return "oss:GetBucketCors"
        case .putBucketCORS: return "oss:PutBucketCors"
        case .deleteBucketCORS: return "oss:DeleteBucketCors"
        case .getBucketPolicy: return "oss:GetBucketPolicy"
        case .putBucketPolicy: return "oss:PutBucketPolicy"
        case .deleteBucketPolicy: return "oss:DeleteBucketPolicy"
        case .getBucketStyle: return "oss:GetStyle"
        case .listBucketStyles: return "oss:ListStyle"
        case .putBucketStyle: return "oss:PutStyle"
        case .deleteBucketStyle: return "oss:DeleteStyle"
        case .listObjects, .listObjectsV2: return "oss:ListObjects"
        case .deleteMultipleObjects: return "oss:DeleteObject"
        case .listLiveChannels: return "oss:ListLiveChannel"
        case .listMultipartUploads: return "oss:ListMultipartUploads"
        case .putObject, .postObject, .copyObject, .appendObject: return "oss:PutObject"
        case .getObject, .headObject, .getObjectMeta: return "oss:GetObject"
        case .deleteObject: return "oss:DeleteObject"
        case .getObjectACL: return "oss:GetObjectAcl"
        case .putObjectACL: return "oss:PutObjectAcl"
        case .putSymlink: return "oss:PutObject"
        case .getSymlink: return "oss:GetObject"
        case .processObject: return "oss:GetObject"  // the source; the target is authorized as PutObject too
        case .initiateMultipartUpload, .uploadPart, .uploadPartCopy, .completeMultipartUpload: return "oss:PutObject"
        case .abortMultipartUpload: return "oss:AbortMultipartUpload"
        case .listParts: return "oss:ListParts"
        case .unsupported, .methodNotAllowed: return "oss:Unsupported"
        }
    }

    /// Bucket sub-resources OSS defines that Silo does not implement (yet).
    static let unsupportedBucketResources = [
        "lifecycle", "logging", "referer", "website", "tagging", "encryption", "versioning", "versions", "replication",
        "replicationLocation", "replicationProgress", "inventory", "worm", "wormId", "wormExtend", "requestPayment",
        "transferAcceleration", "cname", "qos", "qosInfo", "resourceGroup", "httpsConfig", "metaQuery",
        "accessMonitor", "policyStatus", "publicAccessBlock", "accessPoint", "regionList", "asyncFetch", "uploads",
        "bucketArchiveDirectRead", "redundancyTransition", "objectInfo", "callback",
    ]

    /// Object sub-resources OSS defines that Silo does not implement (yet).
    static let unsupportedObjectResources = [
        "tagging", "restore", "x-oss-process", "versionId", "select",
        "meta", "x-oss-async-process",
    ]

    static func resolve(_ request: OSSRequest) -> Route {
        let query = request.query
        guard request.bucket != nil else {
            return request.method == .get ? .listBuckets : .methodNotAllowed
        }
        if request.key == nil {
            if request.method == .post, !query.contains("delete"),
                FormDataReader.boundary(contentType: request.header(.contentType)) != nil {
                return .postObject
            }
            return bucketRoute(request.method, query)
        }
        return objectRoute(request.method, query, request.headers)
    }

    private static func bucketRoute(_ method: HTTPRequest.Method, _ query: QueryParameters) -> Route {
        func has(_ name: String) -> Bool { query.contains(name) }
        switch method {
        case .get:
            if has("acl") { return .getBucketACL }
            if has("cors") { return .getBucketCORS }
            if has("policy") { return .getBucketPolicy }
            if has("location") { return .getBucketLocation }
            if has("bucketInfo") { return .getBucketInfo }
            if has("stat") { return .getBucketStat }
            if has("live") { return .listLiveChannels }
            if has("uploads") { return .listMultipartUploads }
            if has("style") { return query["styleName"] == nil ? .listBucketStyles : .getBucketStyle }
            if let feature = unsupportedBucketResources.first(where: has) { return .unsupported(feature) }
            return query["list-type"] == "2" ? .listObjectsV2 : .listObjects
        case .put:
            if has("acl") { return .putBucketACL }
            if has("cors") { return .putBucketCORS }
            if has("policy") { return .putBucketPolicy }
            if has("style") { return .putBucketStyle }
            if let feature = unsupportedBucketResources.first(where: has) { return .unsupported(feature) }
            return .putBucket
        case .delete:
            if has("cors") { return .deleteBucketCORS }
            if has("policy") { return .deleteBucketPolicy }
            if has("style") { return .deleteBucketStyle }
            if let feature = unsupportedBucketResources.first(where: has) { return .unsupported(feature) }
            return .deleteBucket
        case .post:
            if has("delete") { return .deleteMultipleObjects }
            return .unsupported(has("uploads") ? "uploads" : "bucket POST")
        case .head:
            return .headBucket
        default:
            return .methodNotAllowed
        }
    }

    private static func objectRoute(_ method: HTTPRequest.Method, _ query: QueryParameters, _ headers: HTTPFields) -> Route {
        func has(_ name: String) -> Bool { query.contains(name) }
        switch method {
        case .get:
            if has("acl") { return .getObjectACL }
            if has("symlink") { return .getSymlink }
            if has("uploadId") { return .listParts }
            if has("x-oss-process") { return .getObject }  // image processing; reading the source is the right needed
            if let feature = unsupportedObjectResources.first(where: has) { return .unsupported(feature) }
            return .getObject
        case .head:
            if has("objectMeta") { return .getObjectMeta }
            if has("x-oss-process") { return .headObject }  // the processed image's headers
            if let feature = unsupportedObjectResources.first(where: has) { return .unsupported(feature) }
            return .headObject
        case .put:
            if has("acl") { return .putObjectACL }
            if has("symlink") { return .putSymlink }
            let isCopy = headers[HTTPField.Name("x-oss-copy-source")!] != nil
            if has("uploadId") || has("partNumber") { return isCopy ? .uploadPartCopy : .uploadPart }
            if let feature = unsupportedObjectResources.first(where: has) { return .unsupported(feature) }
            return isCopy ? .copyObject : .putObject
        case .post:
            if has("append") { return .appendObject }
            if has("uploads") { return .initiateMultipartUpload }
            if has("uploadId") { return .completeMultipartUpload }
            if has("x-oss-process") { return .processObject }
            if let feature = unsupportedObjectResources.first(where: has) { return .unsupported(feature) }
            return .unsupported("object POST")
        case .delete:
            if has("uploadId") { return .abortMultipartUpload }
            if let feature = unsupportedObjectResources.first(where: has) { return .unsupported(feature) }
            return .deleteObject
        default:
            return .methodNotAllowed
        }
    }
}
