import Foundation
import Hummingbird
import NIOCore
import SiloCore
import SiloStorage

/// ProcessObject (spec §7.12): `POST /<key>?x-oss-process` with `…|sys/saveas,o_<key>[,b_<bucket>]` stores the
/// processed image as a new object. Reading the source is authorized as GetObject, writing the target as PutObject.
extension OSSService {
    static let maxProcessBodyBytes = 8 * 1024

    func processObject(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let (bucket, requested) = try await loadObject(request, caller: caller, route: .processObject)
        let source = try await resolveSymlink(requested, bucket: bucket, caller: caller)
        let bytes = try await collect(body, limit: Self.maxProcessBodyBytes,
                                      tooLarge: .invalidArgument("The process body is larger than 8 KB.", name: "x-oss-process"))
        let saveAs = try SaveAsRequest.parse(form: String(decoding: bytes, as: UTF8.self))
        let targetName = saveAs.targetBucket ?? bucket.name
        guard let target = try await metadata.bucket(targetName) else {
            if !Names.isValidBucketName(targetName) { throw OSSError.invalidBucketName(targetName) }
            throw OSSError.noSuchBucket(targetName)
        }
        try Names.validateObjectKey(saveAs.targetKey)
        try await authorize(caller, .putObject, bucket: target, key: saveAs.targetKey)
        let job = try await imageJob(process: saveAs.process, source: source, bucket: bucket, caller: caller)
        guard !job.pipeline.answersJSON else {
            throw OSSError.invalidArgument("sys/saveas stores images; info and average-hue answer JSON.", name: "x-oss-process")
        }
        let (entry, _) = try await render(job)
        let image = entry.body
        let stream = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(image)
            continuation.finish()
        }
        let stored = try await objects.put(
            bucket: target, key: saveAs.targetKey, body: stream, expectedLength: Int64(image.readableBytes), contentMD5: nil,
            attributes: ObjectAttributes(contentType: entry.contentType), forbidOverwrite: false)
        // `bucket` is empty when the request named none, as the service answers.
        let answer: [String: Any] = ["bucket": saveAs.targetBucket ?? "", "fileSize": stored.size, "object": stored.key, "status": "OK"]
        let json = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.eTag] = "\"" + stored.etag + "\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: json)))
    }
}
