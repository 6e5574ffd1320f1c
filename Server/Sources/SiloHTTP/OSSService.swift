import HTTPTypes
import Hummingbird
import Logging
import SiloCore
import SiloStorage

/// The OSS API's dependencies and request handlers; the responder parses and authenticates, then calls in here.
public struct OSSService: Sendable {
    public let settings: ServerSettings
    public let metadata: any MetadataStore
    public let objects: ObjectService
    let authenticator: Authenticator

    public init(settings: ServerSettings, metadata: any MetadataStore, blobs: any BlobStore,
                credentials: any CredentialResolver) {
        self.settings = settings
        self.metadata = metadata
        self.objects = ObjectService(metadata: metadata, blobs: blobs, clock: settings.clock)
        self.authenticator = Authenticator(settings: settings, credentials: credentials)
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

    func dispatch(_ route: Route, _ request: OSSRequest, body: RequestBody, principal: Principal,
                  context: SiloRequestContext) async throws -> Response {
        switch route {
        case .listBuckets: return try await listBuckets(request, principal: principal)
        case .putBucket: return try await putBucket(request, body: body, principal: principal)
        case .deleteBucket: return try await deleteBucket(request, principal: principal)
        case .getBucketInfo: return try await getBucketInfo(request, principal: principal)
        case .headBucket: return try await headBucket(request, principal: principal)
        case .getBucketLocation: return try await getBucketLocation(request, principal: principal)
        case .getBucketStat: return try await getBucketStat(request, principal: principal)
        case .getBucketACL: return try await getBucketACL(request, principal: principal)
        case .putBucketACL: return try await putBucketACL(request, principal: principal)
        case .getBucketCORS: return try await getBucketCORS(request, principal: principal)
        case .putBucketCORS: return try await putBucketCORS(request, body: body, principal: principal)
        case .deleteBucketCORS: return try await deleteBucketCORS(request, principal: principal)
        case .listObjects: return try await listObjects(request, principal: principal)
        case .listObjectsV2: return try await listObjectsV2(request, principal: principal)
        case .listLiveChannels: return try await listLiveChannels(request, principal: principal)
        case .listMultipartUploads: return try await listMultipartUploads(request, principal: principal)
        case .deleteMultipleObjects: return try await deleteMultipleObjects(request, body: body, principal: principal)
        case .putObject: return try await putObject(request, body: body, principal: principal)
        case .copyObject: return try await copyObject(request, principal: principal)
        case .appendObject: return try await appendObject(request, body: body, principal: principal)
        case .getObject, .headObject: return try await getObject(request, principal: principal)
        case .getObjectMeta: return try await getObjectMeta(request, principal: principal)
        case .deleteObject: return try await deleteObject(request, principal: principal)
        case .getObjectACL: return try await getObjectACL(request, principal: principal)
        case .putObjectACL: return try await putObjectACL(request, principal: principal)
        case .putSymlink: return try await putSymlink(request, principal: principal)
        case .getSymlink: return try await getSymlink(request, principal: principal)
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
