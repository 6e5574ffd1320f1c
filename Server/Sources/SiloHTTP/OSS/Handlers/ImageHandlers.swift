import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloDomain
import SiloImaging
import SiloStorage

extension HTTPField.Name {
    /// Whether a processed image came from the derived-image cache: hit, miss or joined (waited for a
    /// concurrent identical request).
    static let siloImageCache = HTTPField.Name("X-Silo-Image-Cache")!
}

/// `x-oss-process` on GET and HEAD, and ProcessObject (`POST ?x-oss-process` with `sys/saveas`): images through the
/// image service, `video/...` through the media service.
enum ImageHandlers {
    static let maxProcessBodyBytes = 8 * 1024

    /// The processed image (or JSON) for a GET whose source the caller may read, always whole in memory.
    static func processed(_ oss: OSSFrontEnd, _ call: OSSCall, object: ObjectRecord, process: String, fields: HTTPFields)
        async throws -> Response
    {
        let (entry, outcome) = try await render(oss, call, try ProcessRequest.parse(process), source: object)
        var headers = HTTPFields()
        headers[.contentType] = entry.contentType
        headers[.contentLength] = String(entry.body.readableBytes)
        headers[.lastModified] = fields[.lastModified]
        headers[.siloImageCache] = "\(outcome)"
        if let disposition = fields[.contentDisposition] { headers[.contentDisposition] = disposition }
        return call.inMemory(Response(status: .ok, headers: headers, body: .init(byteBuffer: entry.body)))
    }

    /// Processes the object into another: the source read is authorized by the route, the target write here,
    /// once the body names it.
    static func processObject(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let source = try await oss.domain.workflows.resolveSymlink(try call.requireObject(), bucket: call.bucket,
                                                                   caller: call.caller)
        let bytes = try await Bodies.collect(call.body, limit: maxProcessBodyBytes,
                                             tooLarge: .invalidArgument("The process body is larger than 8 KB.", name: "x-oss-process"))
        let saveAs = try SaveAsRequest.parse(form: String(decoding: bytes, as: UTF8.self))
        let targetName = saveAs.targetBucket ?? call.bucket.name
        guard let target = try await oss.domain.buckets.find(targetName) else {
            if !Names.isValidBucketName(targetName) { throw OSSError.invalidBucketName(targetName) }
            throw OSSError.noSuchBucket(targetName)
        }
        try Names.validateObjectKey(saveAs.targetKey)
        try await oss.access.authorize(call.caller, action: "oss:PutObject", scope: .write, bucket: target, key: saveAs.targetKey)
        let answersJSON = switch saveAs.process {
        case .image(let pipeline): pipeline.answersJSON
        case .video(let video): video.answersJSON
        case .style: false
        }
        guard !answersJSON else {
            throw OSSError.invalidArgument("sys/saveas stores images; info and average-hue answer JSON.", name: "x-oss-process")
        }
        let (entry, _) = try await render(oss, call, saveAs.process, source: source)
        guard entry.contentType.hasPrefix("image/") else {
            throw OSSError.invalidArgument("sys/saveas stores images; this style answers JSON.", name: "x-oss-process")
        }
        let image = entry.body
        let stream = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(image)
            continuation.finish()
        }
        let stored = try await oss.domain.objects.put(
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

    /// One process on a source the caller may read: video actions by the media service, the rest by the image service.
    private static func render(_ oss: OSSFrontEnd, _ call: OSSCall, _ process: ProcessRequest, source: ObjectRecord)
        async throws -> (DerivedImageCache.Entry, DerivedImageCache.Outcome)
    {
        if case .video(let video) = process {
            guard case .snapshot(let snapshot) = video, let pipeline = snapshot.then else {
                return try await oss.domain.media.render(video, source: source, bucket: call.bucket)
            }
            // The frame is cached on its own (other pipelines reuse it), then processed like any image.
            let frame = VideoProcess.snapshot(snapshot.frame)
            let job = try await oss.domain.images.job(pipeline: pipeline, afterFrame: frame.canonical, source: source,
                                                      bucket: call.bucket, caller: call.caller)
            return try await oss.domain.images.render(job) {
                try await oss.domain.media.render(frame, source: source, bucket: call.bucket).0.body
            }
        }
        let job = try await oss.domain.images.job(process: process, source: source, bucket: call.bucket, caller: call.caller)
        return try await oss.domain.images.render(job)
    }
}
