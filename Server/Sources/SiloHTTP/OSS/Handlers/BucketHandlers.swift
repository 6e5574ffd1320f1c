import Hummingbird
import NIOCore
import SiloCore
import SiloDomain
import SiloStorage

/// Buckets and their configuration (spec §9): parse, call `BucketService`, render.
enum BucketHandlers {
    static let maxConfigurationBytes = 16 * 1024
    static let maxPolicyBytes = 16 * 1024

    static func create(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        var acl = BucketACL.private
        if let header = call.request.header("x-oss-acl") {
            guard let parsed = BucketACL(rawValue: header) else {
                throw OSSError.invalidArgument("no such bucket access control exists", name: "x-oss-acl", value: header)
            }
            acl = parsed
        }
        var storageClass = StorageClass.standard
        let bytes = try await Bodies.collect(call.body, limit: maxConfigurationBytes)
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
        try await oss.domain.buckets.create(call.bucket.name, acl: acl, storageClass: storageClass)
        return Responses.empty(headers: [.location: "/" + call.bucket.name])
    }

    static func delete(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.buckets.delete(call.bucket.name)
        return Responses.empty(.noContent)
    }

    static func summary(_ oss: OSSFrontEnd, _ bucket: BucketRecord) -> BucketSummary {
        BucketSummary(name: bucket.name, creationDate: bucket.createdAt, storageClass: bucket.storageClass,
                      location: oss.settings.location)
    }

    static func info(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(BucketInfoResult(bucket: summary(oss, call.bucket), owner: oss.settings.owner, acl: call.bucket.acl,
                                       versioning: call.bucket.versioning?.rawValue, encryption: call.bucket.encryption))
    }

    static func head(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response { Responses.empty() }

    static func location(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(LocationConstraintResult(location: oss.settings.location.location))
    }

    static func stat(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let stats = try await oss.domain.buckets.statistics(call.bucket.name)
        let standard = stats.objects.byStorageClass[.standard] ?? (0, 0)
        let ia = stats.objects.byStorageClass[.ia] ?? (0, 0)
        return Responses.xml(BucketStatResult(
            storage: stats.objects.totalSize, objectCount: stats.objects.objectCount,
            multipartUploadCount: stats.multipartUploads, lastModifiedTime: stats.objects.lastModified,
            standardStorage: standard.size, standardObjectCount: standard.count,
            infrequentAccessStorage: ia.size, infrequentAccessObjectCount: ia.count))
    }

    static func liveChannels(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let maxKeys = try Listing.maxKeys(call.query, name: "max-keys", default: 100)
        return Responses.xml(ListLiveChannelResult(
            prefix: call.query["prefix"] ?? "", marker: call.query["marker"] ?? "", maxKeys: maxKeys))
    }

    static func getACL(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(AccessControlPolicyResult(owner: oss.settings.owner, grant: call.bucket.acl.rawValue))
    }

    static func putACL(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let header = call.request.header("x-oss-acl") ?? ""
        guard let acl = BucketACL(rawValue: header) else {
            throw OSSError.invalidArgument("no such bucket access control exists", name: "x-oss-acl", value: header)
        }
        try await oss.domain.buckets.update(call.bucket.name, .acl(acl))
        return Responses.empty()
    }

    static func getCORS(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        guard let cors = call.bucket.cors else { throw OSSError.noSuchCORSConfiguration.with("BucketName", call.bucket.name) }
        return Responses.xml(cors)
    }

    static func putCORS(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: maxConfigurationBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let cors = try XMLBody.decode(CORSConfiguration.self, from: bytes, root: "CORSConfiguration")
        try await oss.domain.buckets.setCORS(call.bucket.name, cors)
        return Responses.empty()
    }

    static func deleteCORS(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.buckets.update(call.bucket.name, .cors(nil))
        return Responses.empty(.noContent)
    }

    static func getLifecycle(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        guard let lifecycle = call.bucket.lifecycle else { throw OSSError.noSuchLifecycle(call.bucket.name) }
        return Responses.xml(lifecycle)
    }

    /// PutBucketLifecycle: validated whole before it replaces the bucket's rules;
    /// `x-oss-allow-same-action-overlap: true` lets rules with overlapping prefixes share an action.
    static func putLifecycle(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: LifecycleConfiguration.maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let allowOverlap = call.request.header("x-oss-allow-same-action-overlap")?.lowercased() == "true"
        let lifecycle = try LifecycleConfiguration.parse(bytes, allowOverlap: allowOverlap)
        try await oss.domain.buckets.update(call.bucket.name, .lifecycle(lifecycle))
        return Responses.empty()
    }

    static func deleteLifecycle(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.buckets.update(call.bucket.name, .lifecycle(nil))
        return Responses.empty(.noContent)
    }

    /// GetBucketReferer: a bucket without hotlink protection answers the configuration that allows everything.
    static func getReferer(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(call.bucket.referer ?? .allowAll)
    }

    static func putReferer(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: RefererConfiguration.maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let referer = try XMLBody.decode(RefererConfiguration.self, from: bytes, root: "RefererConfiguration",
                                         maxElements: RefererConfiguration.maxElements)
        try referer.validate()
        try await oss.domain.buckets.update(call.bucket.name, .referer(referer == .allowAll ? nil : referer))
        return Responses.empty()
    }

    /// GetBucketTags: an untagged bucket answers an empty set.
    static func getTags(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(TaggingDocument(call.bucket.tags))
    }

    static func putTags(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: TaggingDocument.maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let document = try XMLBody.decode(TaggingDocument.self, from: bytes, root: "Tagging",
                                          maxElements: TaggingDocument.maxElements)
        try await oss.domain.buckets.update(call.bucket.name, .tags(try BucketTagSet.validated(document.tags)))
        return Responses.empty()
    }

    /// DeleteBucketTags: `?tagging` removes every tag, `?tagging=k1,k2` only those keys.
    static func deleteTags(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let keys = call.query.nonEmpty("tagging").map { Set($0.split(separator: ",").map(String.init)) }
        try await oss.domain.buckets.deleteTags(call.bucket.name, keys: keys)
        return Responses.empty(.noContent)
    }

    static func getPolicy(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        guard let policy = call.bucket.policy else { throw OSSError.noSuchBucketPolicy.with("BucketName", call.bucket.name) }
        var buffer = ByteBuffer()
        buffer.writeString(policy)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    static func putPolicy(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let bytes = try await Bodies.collect(call.body, limit: maxPolicyBytes,
                                             tooLarge: .invalidArgument("The policy is larger than 16 KB.", name: "policy"))
        try Bodies.verifyContentMD5(call.request, bytes)
        try await oss.domain.buckets.setPolicy(call.bucket.name, document: bytes)
        return Responses.empty()
    }

    static func deletePolicy(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.buckets.update(call.bucket.name, .policy(nil))
        return Responses.empty(.noContent)
    }
}
