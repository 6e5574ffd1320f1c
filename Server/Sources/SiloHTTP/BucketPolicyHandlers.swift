import Hummingbird
import SiloCore
import SiloPolicy
import SiloStorage

/// Put/Get/DeleteBucketPolicy (spec §9.11). The policy is evaluated on every request to the bucket.
extension OSSService {
    static let maxBucketPolicyBytes = 16 * 1024

    func getBucketPolicy(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketPolicy, bucket: bucket)
        guard let policy = bucket.policy else { throw OSSError.noSuchBucketPolicy.with("BucketName", bucket.name) }
        var buffer = ByteBuffer()
        buffer.writeString(policy)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    func putBucketPolicy(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .putBucketPolicy, bucket: bucket)
        let bytes = try await collect(body, limit: Self.maxBucketPolicyBytes,
                                      tooLarge: .invalidArgument("The policy is larger than 16 KB.", name: "policy"))
        try verifyContentMD5(request, bytes)
        do {
            _ = try Policy(jsonBytes: bytes)
        } catch {
            throw OSSError(status: 400, code: "InvalidPolicyDocument", message: "The policy document is invalid: \(error)")
        }
        guard try await metadata.updateBucket(bucket.name, .policy(String(decoding: bytes, as: UTF8.self))) else {
            throw OSSError.noSuchBucket(bucket.name)
        }
        return Responses.empty()
    }

    func deleteBucketPolicy(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .deleteBucketPolicy, bucket: bucket)
        guard try await metadata.updateBucket(bucket.name, .policy(nil)) else { throw OSSError.noSuchBucket(bucket.name) }
        return Responses.empty(.noContent)
    }
}
