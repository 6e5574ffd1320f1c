import HTTPTypes
import SiloDomain

/// Every OSS operation Silo serves, in matching order. A new operation is one entry here and its handler.
enum OSSRoutes {
    typealias Route = OSSRoute

    static let table: [Route] = service + bucket + bucketConfiguration + styles + objectVersions + object + multipart

    static let service: [Route] = [
        Route("ListBuckets", .get, .service, action: "oss:ListBuckets", handler: ServiceHandlers.listBuckets),
    ]

    static let bucket: [Route] = [
        Route("PostObject", .post, .bucket, when: .all([.formUpload, .not(.query("delete"))]), action: "oss:PutObject",
              scope: .write, authorization: .formCredentials, handler: PostObjectHandler.post),
        Route("DeleteMultipleObjects", .post, .bucket, when: .query("delete"), action: "oss:DeleteObject", scope: .write,
              authorization: .perKeyInBody, handler: ObjectWriteHandlers.deleteMultiple),
        Route("GetBucketLocation", .get, .bucket, when: .query("location"), action: "oss:GetBucketLocation",
              handler: BucketHandlers.location),
        Route("GetBucketInfo", .get, .bucket, when: .query("bucketInfo"), action: "oss:GetBucketInfo",
              handler: BucketHandlers.info),
        Route("GetBucketStat", .get, .bucket, when: .query("stat"), action: "oss:GetBucketStat", handler: BucketHandlers.stat),
        Route("ListLiveChannel", .get, .bucket, when: .query("live"), action: "oss:ListLiveChannel",
              handler: BucketHandlers.liveChannels),
        Route("ListMultipartUploads", .get, .bucket, when: .query("uploads"), action: "oss:ListMultipartUploads",
              scope: .read, conditionKeys: listingConditions, handler: MultipartHandlers.listUploads),
        Route("ListObjectVersions", .get, .bucket, when: .query("versions"), action: "oss:ListObjectVersions",
              scope: .read, conditionKeys: listingConditions, handler: VersioningHandlers.list),
        Route("ListObjectsV2", .get, .bucket, when: .queryValue("list-type", "2"), tier: .fallback, action: "oss:ListObjects",
              scope: .read, conditionKeys: listingConditions, handler: ListingHandlers.listV2),
        Route("ListObjects", .get, .bucket, tier: .fallback, action: "oss:ListObjects", scope: .read,
              conditionKeys: listingConditions, handler: ListingHandlers.listV1),
        Route("PutBucket", .put, .newBucket, tier: .fallback, action: "oss:PutBucket", handler: BucketHandlers.create),
        Route("DeleteBucket", .delete, .bucket, tier: .fallback, action: "oss:DeleteBucket", handler: BucketHandlers.delete),
        Route("GetBucketInfo", .head, .bucket, action: "oss:GetBucketInfo", handler: BucketHandlers.head),
    ]

    static let listingConditions = [
        Route.ConditionKey(key: "oss:Prefix", query: "prefix"), Route.ConditionKey(key: "oss:Delimiter", query: "delimiter"),
    ]

    static let bucketConfiguration: [Route] = [
        Route("GetBucketAcl", .get, .bucket, when: .query("acl"), action: "oss:GetBucketAcl", handler: BucketHandlers.getACL),
        Route("PutBucketAcl", .put, .bucket, when: .query("acl"), action: "oss:PutBucketAcl", handler: BucketHandlers.putACL),
        Route("GetBucketCors", .get, .bucket, when: .query("cors"), action: "oss:GetBucketCors",
              handler: BucketHandlers.getCORS),
        Route("PutBucketCors", .put, .bucket, when: .query("cors"), action: "oss:PutBucketCors",
              handler: BucketHandlers.putCORS),
        Route("DeleteBucketCors", .delete, .bucket, when: .query("cors"), action: "oss:DeleteBucketCors",
              handler: BucketHandlers.deleteCORS),
        Route("GetBucketPolicy", .get, .bucket, when: .query("policy"), action: "oss:GetBucketPolicy",
              handler: BucketHandlers.getPolicy),
        Route("PutBucketPolicy", .put, .bucket, when: .query("policy"), action: "oss:PutBucketPolicy",
              handler: BucketHandlers.putPolicy),
        Route("DeleteBucketPolicy", .delete, .bucket, when: .query("policy"), action: "oss:DeleteBucketPolicy",
              handler: BucketHandlers.deletePolicy),
        Route("GetBucketLifecycle", .get, .bucket, when: .query("lifecycle"), action: "oss:GetBucketLifecycle",
              handler: BucketHandlers.getLifecycle),
        Route("PutBucketLifecycle", .put, .bucket, when: .query("lifecycle"), action: "oss:PutBucketLifecycle",
              handler: BucketHandlers.putLifecycle),
        Route("DeleteBucketLifecycle", .delete, .bucket, when: .query("lifecycle"), action: "oss:DeleteBucketLifecycle",
              handler: BucketHandlers.deleteLifecycle),
        Route("GetBucketReferer", .get, .bucket, when: .query("referer"), action: "oss:GetBucketReferer",
              handler: BucketHandlers.getReferer),
        Route("PutBucketReferer", .put, .bucket, when: .query("referer"), action: "oss:PutBucketReferer",
              handler: BucketHandlers.putReferer),
        Route("GetBucketEncryption", .get, .bucket, when: .query("encryption"), action: "oss:GetBucketEncryption",
              handler: EncryptionHandlers.get),
        Route("PutBucketEncryption", .put, .bucket, when: .query("encryption"), action: "oss:PutBucketEncryption",
              handler: EncryptionHandlers.put),
        Route("DeleteBucketEncryption", .delete, .bucket, when: .query("encryption"), action: "oss:DeleteBucketEncryption",
              handler: EncryptionHandlers.delete),
        Route("GetBucketVersioning", .get, .bucket, when: .query("versioning"), action: "oss:GetBucketVersioning",
              handler: VersioningHandlers.get),
        Route("PutBucketVersioning", .put, .bucket, when: .query("versioning"), action: "oss:PutBucketVersioning",
              handler: VersioningHandlers.put),
        Route("GetBucketTags", .get, .bucket, when: .query("tagging"), action: "oss:GetBucketTagging",
              handler: BucketHandlers.getTags),
        Route("PutBucketTags", .put, .bucket, when: .query("tagging"), action: "oss:PutBucketTagging",
              handler: BucketHandlers.putTags),
        Route("DeleteBucketTags", .delete, .bucket, when: .query("tagging"), action: "oss:DeleteBucketTagging",
              handler: BucketHandlers.deleteTags),
    ]

    static let styles: [Route] = [
        Route("GetStyle", .get, .bucket, when: .all([.query("style"), .query("styleName")]), action: "oss:GetStyle",
              handler: StyleHandlers.get),
        Route("ListStyle", .get, .bucket, when: .query("style"), action: "oss:ListStyle", handler: StyleHandlers.list),
        Route("PutStyle", .put, .bucket, when: .query("style"), action: "oss:PutStyle", handler: StyleHandlers.put),
        Route("DeleteStyle", .delete, .bucket, when: .query("style"), action: "oss:DeleteStyle", handler: StyleHandlers.delete),
    ]

    /// A request naming a `versionId` is authorized as OSS's version action (`oss:GetObjectVersion`, …).
    static let objectVersions: [Route] = [
        Route("GetObjectVersionAcl", .get, .object, when: .all([.query("acl"), .query("versionId")]),
              action: "oss:GetObjectVersionAcl", authorization: .centralWithObject, handler: ObjectReadHandlers.getACL),
        Route("PutObjectVersionAcl", .put, .object, when: .all([.query("acl"), .query("versionId")]),
              action: "oss:PutObjectVersionAcl", handler: ObjectWriteHandlers.putACL),
        Route("GetObjectVersionTagging", .get, .object, when: .all([.query("tagging"), .query("versionId")]),
              action: "oss:GetObjectVersionTagging", authorization: .centralWithObject,
              handler: ObjectReadHandlers.getTagging),
        Route("PutObjectVersionTagging", .put, .object, when: .all([.query("tagging"), .query("versionId")]),
              action: "oss:PutObjectVersionTagging", handler: ObjectWriteHandlers.putTagging),
        Route("DeleteObjectVersionTagging", .delete, .object, when: .all([.query("tagging"), .query("versionId")]),
              action: "oss:DeleteObjectVersionTagging", handler: ObjectWriteHandlers.deleteTagging),
        Route("GetSymlink", .get, .object, when: .all([.query("symlink"), .query("versionId")]),
              action: "oss:GetObjectVersion", scope: .read, authorization: .centralWithObject,
              handler: ObjectReadHandlers.getSymlink),
        Route("GetObjectMeta", .head, .object, when: .all([.query("objectMeta"), .query("versionId")]),
              action: "oss:GetObjectVersion", scope: .read, authorization: .centralWithObject,
              handler: ObjectReadHandlers.getMeta),
        Route("GetObjectVersion", .get, .object, when: .all([.query("versionId"), .not(.query("x-oss-process"))]),
              action: "oss:GetObjectVersion", scope: .read, authorization: .centralWithObject,
              handler: ObjectReadHandlers.get),
        Route("HeadObjectVersion", .head, .object, when: .all([.query("versionId"), .not(.query("x-oss-process"))]),
              action: "oss:GetObjectVersion", scope: .read, authorization: .centralWithObject,
              handler: ObjectReadHandlers.get),
        Route("DeleteObjectVersion", .delete, .object,
              when: .all([.query("versionId"), .not(.query("tagging")), .not(.query("uploadId"))]),
              action: "oss:DeleteObjectVersion", scope: .write, authorization: .centralWithObject,
              handler: ObjectWriteHandlers.deleteVersion),
    ]

    static let object: [Route] = [
        Route("GetObjectAcl", .get, .object, when: .query("acl"), action: "oss:GetObjectAcl",
              authorization: .centralWithObject, handler: ObjectReadHandlers.getACL),
        Route("PutObjectAcl", .put, .object, when: .query("acl"), action: "oss:PutObjectAcl", handler: ObjectWriteHandlers.putACL),
        Route("GetObjectTagging", .get, .object, when: .query("tagging"), action: "oss:GetObjectTagging",
              authorization: .centralWithObject, handler: ObjectReadHandlers.getTagging),
        Route("PutObjectTagging", .put, .object, when: .query("tagging"), action: "oss:PutObjectTagging",
              handler: ObjectWriteHandlers.putTagging),
        Route("DeleteObjectTagging", .delete, .object, when: .query("tagging"), action: "oss:DeleteObjectTagging",
              handler: ObjectWriteHandlers.deleteTagging),
        Route("GetSymlink", .get, .object, when: .query("symlink"), action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ObjectReadHandlers.getSymlink),
        Route("PutSymlink", .put, .object, when: .query("symlink"), action: "oss:PutObject", scope: .write,
              authorization: .centralWithObject, headerActions: [Route.setsObjectACL, Route.setsObjectTags],
              handler: ObjectWriteHandlers.putSymlink),
        // An image request needs only the right to read its source.
        Route("GetObject", .get, .object, when: .query("x-oss-process"), action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ObjectReadHandlers.get),
        Route("GetObject", .get, .object, tier: .fallback, action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ObjectReadHandlers.get),
        Route("GetObjectMeta", .head, .object, when: .query("objectMeta"), action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ObjectReadHandlers.getMeta),
        Route("HeadObject", .head, .object, when: .query("x-oss-process"), action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ObjectReadHandlers.get),
        Route("HeadObject", .head, .object, tier: .fallback, action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ObjectReadHandlers.get),
        Route("CopyObject", .put, .object, when: .header("x-oss-copy-source"), tier: .fallback, action: "oss:PutObject",
              scope: .write, authorization: .centralWithObject, headerActions: [Route.setsObjectACL, Route.setsObjectTags],
              handler: ObjectWriteHandlers.copy),
        Route("PutObject", .put, .object, tier: .fallback, action: "oss:PutObject", scope: .write,
              authorization: .centralWithObject, headerActions: [Route.setsObjectACL, Route.setsObjectTags],
              handler: ObjectWriteHandlers.put),
        Route("AppendObject", .post, .object, when: .query("append"), action: "oss:PutObject", scope: .write,
              authorization: .centralWithObject, headerActions: [Route.setsObjectACL, Route.setsObjectTags],
              handler: ObjectWriteHandlers.append),
        // ProcessObject reads the source; writing the target is authorized by the handler, once the body names it.
        Route("ProcessObject", .post, .object, when: .query("x-oss-process"), action: "oss:GetObject", scope: .read,
              authorization: .centralWithObject, handler: ImageHandlers.processObject),
        // AsyncProcessObject reads the source; the job service authorizes every target it will write.
        Route("AsyncProcessObject", .post, .object, when: .query("x-oss-async-process"), action: "oss:GetObject",
              scope: .read, authorization: .centralWithObject, handler: MediaJobHandlers.submit),
        Route("DeleteObject", .delete, .object, tier: .fallback, action: "oss:DeleteObject", scope: .write,
              authorization: .centralWithObject, handler: ObjectWriteHandlers.delete),
    ]

    static let multipart: [Route] = [
        Route("ListParts", .get, .object, when: .query("uploadId"), action: "oss:ListParts", scope: .read,
              handler: MultipartHandlers.listParts),
        Route("UploadPartCopy", .put, .object,
              when: .all([.anyQuery(["uploadId", "partNumber"]), .header("x-oss-copy-source")]), action: "oss:PutObject",
              scope: .write, authorization: .centralWithObject, handler: MultipartHandlers.uploadPartCopy),
        Route("UploadPart", .put, .object, when: .anyQuery(["uploadId", "partNumber"]), action: "oss:PutObject", scope: .write,
              authorization: .centralWithObject, handler: MultipartHandlers.uploadPart),
        Route("InitiateMultipartUpload", .post, .object, when: .query("uploads"), action: "oss:PutObject", scope: .write,
              authorization: .centralWithObject, headerActions: [Route.setsObjectACL, Route.setsObjectTags],
              handler: MultipartHandlers.initiate),
        Route("CompleteMultipartUpload", .post, .object, when: .query("uploadId"), action: "oss:PutObject", scope: .write,
              authorization: .centralWithObject, handler: MultipartHandlers.complete),
        Route("AbortMultipartUpload", .delete, .object, when: .query("uploadId"), action: "oss:AbortMultipartUpload",
              scope: .write, authorization: .centralWithObject, handler: MultipartHandlers.abort),
    ]

    /// Bucket sub-resources OSS defines that Silo does not implement (yet): NotImplemented, after authentication.
    static let unsupportedBucketResources = [
        "logging", "website", "replication",
        "replicationLocation", "replicationProgress", "inventory", "worm", "wormId", "wormExtend", "requestPayment",
        "transferAcceleration", "cname", "qos", "qosInfo", "resourceGroup", "httpsConfig", "metaQuery",
        "accessMonitor", "policyStatus", "publicAccessBlock", "accessPoint", "regionList", "asyncFetch", "uploads",
        "bucketArchiveDirectRead", "redundancyTransition", "objectInfo", "callback",
    ]

    /// Object sub-resources OSS defines that Silo does not implement (yet).
    static let unsupportedObjectResources = [
        "restore", "x-oss-process", "select", "meta",
    ]

    enum Resolution {
        case route(OSSRoute)
        /// A sub-resource or header Silo does not implement, named for the error.
        case unsupported(String)
        case methodNotAllowed
    }

    /// The route for a request: its specific routes in order, then the features Silo lacks, then the fallbacks.
    static func resolve(_ request: OSSRequest) -> Resolution {
        let target: OSSRoute.Target = request.bucket == nil ? .service : (request.key == nil ? .bucket : .object)
        let candidates = table.filter { route in
            route.method == request.method && (route.target == target || (route.target == .newBucket && target == .bucket))
        }
        if let route = candidates.first(where: { $0.tier == .specific && $0.selector.matches(request) }) {
            return .route(route)
        }
        if target != .service {
            let unsupported = target == .bucket ? unsupportedBucketResources : unsupportedObjectResources
            if let feature = unsupported.first(where: request.query.contains) { return .unsupported(feature) }
        }
        if let route = candidates.first(where: { $0.tier == .fallback && $0.selector.matches(request) }) {
            return .route(route)
        }
        switch (target, request.method) {
        case (.bucket, .post): return .unsupported(request.query.contains("uploads") ? "uploads" : "bucket POST")
        case (.object, .post): return .unsupported("object POST")
        default: return .methodNotAllowed
        }
    }
}
