import HTTPTypes
import Hummingbird
import Logging
import SiloCore
import SiloIAM
import SiloStorage

/// The OSS API's dependencies and request handlers; the responder parses and authenticates, then calls in here.
public struct OSSService: Sendable {
    public let settings: ServerSettings
    public let metadata: any MetadataStore
    public let objects: ObjectService
    public let iam: IAMService
    let authenticator: Authenticator
    let bucketPolicies = BucketPolicyCache()
    public let requests = RequestGauge()

    public init(settings: ServerSettings, metadata: any MetadataStore, blobs: any BlobStore, iam: IAMService) {
        self.settings = settings
        self.metadata = metadata
        self.objects = ObjectService(metadata: metadata, blobs: blobs, clock: settings.clock)
        if let cache = settings.derivedImages {
            objects.changes.observe { bucket, key in cache.invalidate(bucket: bucket, key: key) }
        }
        self.iam = iam
        self.authenticator = Authenticator(settings: settings, credentials: iam)
    }

    /// The bucket the request addresses, or NoSuchBucket.
    func requireBucket(_ request: OSSRequest) async throws -> BucketRecord {
        guard let name = request.bucket else { throw OSSError.noSuchBucket("") }
        guard let bucket = try await metadata.bucket(name) else {
            if !Names.isValidBucketName(name) { throw OSSError.invalidBucketName(name) }
            throw OSSError.noSuchBucket(name)
        }
        return bucket
    }

    func requireKey(_ request: OSSRequest) throws -> String {
        guard let key = request.key else { throw OSSError.invalidObjectName() }
        try Names.validateObjectKey(key)
        return key
    }

    func dispatch(_ route: Route, _ request: OSSRequest, body: RequestBody, caller: Caller,
                  context: SiloRequestContext) async throws -> Response {
        switch route {
        case .listBuckets: return try await listBuckets(request, caller: caller)
        case .putBucket: return try await putBucket(request, body: body, caller: caller)
        case .deleteBucket: return try await deleteBucket(request, caller: caller)
        case .getBucketInfo: return try await getBucketInfo(request, caller: caller)
        case .headBucket: return try await headBucket(request, caller: caller)
        case .getBucketLocation: return try await getBucketLocation(request, caller: caller)
        case .getBucketStat: return try await getBucketStat(request, caller: caller)
        case .getBucketACL: return try await getBucketACL(request, caller: caller)
        case .putBucketACL: return try await putBucketACL(request, caller: caller)
        case .getBucketCORS: return try await getBucketCORS(request, caller: caller)
        case .putBucketCORS: return try await putBucketCORS(request, body: body, caller: caller)
        case .deleteBucketCORS: return try await deleteBucketCORS(request, caller: caller)
        case .getBucketPolicy: return try await getBucketPolicy(request, caller: caller)
        case .putBucketPolicy: return try await putBucketPolicy(request, body: body, caller: caller)
        case .deleteBucketPolicy: return try await deleteBucketPolicy(request, caller: caller)
        case .getBucketStyle: return try await getBucketStyle(request, caller: caller)
        case .listBucketStyles: return try await listBucketStyles(request, caller: caller)
        case .putBucketStyle: return try await putBucketStyle(request, body: body, caller: caller)
        case .deleteBucketStyle: return try await deleteBucketStyle(request, caller: caller)
        case .processObject: return try await processObject(request, body: body, caller: caller)
        case .listObjects: return try await listObjects(request, caller: caller)
        case .listObjectsV2: return try await listObjectsV2(request, caller: caller)
        case .listLiveChannels: return try await listLiveChannels(request, caller: caller)
        case .listMultipartUploads: return try await listMultipartUploads(request, caller: caller)
        case .deleteMultipleObjects: return try await deleteMultipleObjects(request, body: body, caller: caller)
        case .putObject: return try await putObject(request, body: body, caller: caller)
        case .copyObject: return try await copyObject(request, caller: caller)
        case .appendObject: return try await appendObject(request, body: body, caller: caller)
        case .getObject, .headObject: return try await getObject(request, caller: caller)
        case .getObjectMeta: return try await getObjectMeta(request, caller: caller)
        case .deleteObject: return try await deleteObject(request, caller: caller)
        case .getObjectACL: return try await getObjectACL(request, caller: caller)
        case .putObjectACL: return try await putObjectACL(request, caller: caller)
        case .putSymlink: return try await putSymlink(request, caller: caller)
        case .getSymlink: return try await getSymlink(request, caller: caller)
        case .initiateMultipartUpload: return try await initiateMultipartUpload(request, caller: caller)
        case .uploadPart: return try await uploadPart(request, body: body, caller: caller)
        case .uploadPartCopy: return try await uploadPartCopy(request, caller: caller)
        case .completeMultipartUpload: return try await completeMultipartUpload(request, body: body, caller: caller)
        case .abortMultipartUpload: return try await abortMultipartUpload(request, caller: caller)
        case .listParts: return try await listParts(request, caller: caller)
        case .postObject: return try await postObject(request, body: body, caller: caller)
        case .unsupported(let feature): throw OSSError.unsupported(feature)
        case .methodNotAllowed: throw OSSError.methodNotAllowed
        }
    }

    /// Reads a small request body (XML configuration), refusing anything past `limit`.
    func collect(_ body: RequestBody, limit: Int, tooLarge: OSSError = .malformedXML) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            if bytes.count + chunk.readableBytes > limit { throw tooLarge }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// Checks `Content-MD5` of a collected body, when the client sent one.
    func verifyContentMD5(_ request: OSSRequest, _ body: [UInt8]) throws {
        guard let header = request.header(.contentMD5) else { return }
        guard RequestHeaders.contentMD5(header) != nil, header == RequestHeaders.md5Base64(body) else {
            throw OSSError.invalidDigest
        }
    }
}
