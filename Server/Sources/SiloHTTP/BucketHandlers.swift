import HTTPTypes
import Hummingbird
import SiloCore
import SiloStorage

extension OSSService {
    func putBucket(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let name = request.bucket ?? ""
        try Names.validateBucketName(name)
        try await authorize(caller, .putBucket, bucket: BucketRecord(
            name: name, owner: settings.accountId, createdAt: 0, acl: .private, storageClass: .standard))
        var acl = BucketACL.private
        if let header = request.header("x-oss-acl") {
            guard let parsed = BucketACL(rawValue: header) else {
                throw OSSError.invalidArgument("no such bucket access control exists", name: "x-oss-acl", value: header)
            }
            acl = parsed
        }
        var storageClass = StorageClass.standard
        let bytes = try await collect(body, limit: 16 * 1024)
        if !bytes.isEmpty {
            let configuration = try XMLBody.decode(CreateBucketConfiguration.self, from: bytes, root: "CreateBucketConfiguration")
            if let value = configuration.storageClass {
                guard let parsed = StorageClass(wire: value) else {
                    throw OSSError.invalidArgument("Invalid storage class.", name: "StorageClass", value: value)
                }
                storageClass = parsed
            }
            if let redundancy = configuration.dataRedundancyType, !["LRS", "ZRS"].contains(redundancy) {
                throw OSSError.invalidArgument("Invalid data redundancy type.", name: "DataRedundancyType", value: redundancy)
            }
        }
        let record = BucketRecord(name: name, owner: settings.accountId, createdAt: settings.clock(), acl: acl,
                                  storageClass: storageClass)
        let (existing, created) = try await metadata.createBucket(record)
        if !created && existing.owner != settings.accountId { throw OSSError.bucketAlreadyExists(name) }
        // Re-creating one's own bucket succeeds and changes nothing, as oss2's fixtures expect.
        return Responses.empty(headers: [.location: "/" + name])
    }

    func deleteBucket(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .deleteBucket, bucket: bucket)
        switch try await metadata.deleteBucket(bucket.name) {
        case .deleted: return Responses.empty(.noContent)
        case .notEmpty: throw OSSError.bucketNotEmpty(bucket.name)
        case .notFound: throw OSSError.noSuchBucket(bucket.name)
        }
    }

    func getBucketInfo(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketInfo, bucket: bucket)
        return Responses.xml(BucketInfoResult(bucket: summary(bucket), owner: settings.owner, acl: bucket.acl))
    }

    func headBucket(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .headBucket, bucket: bucket)
        return Responses.empty()
    }

    func summary(_ bucket: BucketRecord) -> BucketSummary {
        BucketSummary(name: bucket.name, creationDate: bucket.createdAt, storageClass: bucket.storageClass,
                      location: settings.location)
    }

    func getBucketLocation(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketLocation, bucket: bucket)
        return Responses.xml(LocationConstraintResult(location: settings.location.location))
    }

    func getBucketStat(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketStat, bucket: bucket)
        let stats = try await metadata.statistics(bucket: bucket.name)
        let standard = stats.byStorageClass[.standard] ?? (0, 0)
        let ia = stats.byStorageClass[.ia] ?? (0, 0)
        return Responses.xml(BucketStatResult(
            storage: stats.totalSize, objectCount: stats.objectCount,
            multipartUploadCount: try await metadata.uploadCount(bucket: bucket.name),
            lastModifiedTime: stats.lastModified, standardStorage: standard.size, standardObjectCount: standard.count,
            infrequentAccessStorage: ia.size, infrequentAccessObjectCount: ia.count))
    }

    func getBucketACL(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketACL, bucket: bucket)
        return Responses.xml(AccessControlPolicyResult(owner: settings.owner, grant: bucket.acl.rawValue))
    }

    func putBucketACL(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .putBucketACL, bucket: bucket)
        let header = request.header("x-oss-acl") ?? ""
        guard let acl = BucketACL(rawValue: header) else {
            throw OSSError.invalidArgument("no such bucket access control exists", name: "x-oss-acl", value: header)
        }
        guard try await metadata.updateBucket(bucket.name, .acl(acl)) else { throw OSSError.noSuchBucket(bucket.name) }
        return Responses.empty()
    }

    func getBucketCORS(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketCORS, bucket: bucket)
        guard let cors = bucket.cors else { throw OSSError.noSuchCORSConfiguration.with("BucketName", bucket.name) }
        return Responses.xml(cors)
    }

    func putBucketCORS(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .putBucketCORS, bucket: bucket)
        let bytes = try await collect(body, limit: 16 * 1024)
        try verifyContentMD5(request, bytes)
        let cors = try XMLBody.decode(CORSConfiguration.self, from: bytes, root: "CORSConfiguration")
        try cors.validate()
        guard try await metadata.updateBucket(bucket.name, .cors(cors)) else { throw OSSError.noSuchBucket(bucket.name) }
        return Responses.empty()
    }

    func deleteBucketCORS(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .deleteBucketCORS, bucket: bucket)
        guard try await metadata.updateBucket(bucket.name, .cors(nil)) else { throw OSSError.noSuchBucket(bucket.name) }
        return Responses.empty(.noContent)
    }

    func listLiveChannels(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .listLiveChannels, bucket: bucket)
        let maxKeys = try Listing.maxKeys(request.query, name: "max-keys", default: 100)
        return Responses.xml(ListLiveChannelResult(
            prefix: request.query["prefix"] ?? "", marker: request.query["marker"] ?? "", maxKeys: maxKeys))
    }
}
