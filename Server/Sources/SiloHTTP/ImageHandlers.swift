import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloImaging
import SiloStorage

extension HTTPField.Name {
    /// Whether a processed image came from the derived-image cache: hit, miss or joined (waited for a
    /// concurrent identical request).
    static let siloImageCache = HTTPField.Name("X-Silo-Image-Cache")!
}

/// One processing request resolved: the pipeline (styles looked up) and every object it reads, authorized.
struct ImageJob: Sendable {
    var bucket: BucketRecord
    var source: ObjectRecord
    var pipeline: ImagePipeline
    var watermarks: [String: ObjectRecord]

    /// The result depends on the source version, the canonical pipeline and the watermark objects' versions.
    var cacheKey: DerivedImageCache.Key {
        var variant = source.etag + "\n" + pipeline.canonical
        for key in watermarks.keys.sorted() { variant += "\n" + key + "=" + watermarks[key]!.etag }
        return DerivedImageCache.Key(bucket: bucket.name, object: source.key, variant: variant)
    }
}

extension OSSService {
    /// `GET /<key>?x-oss-process=image/...|style/...`: the caller already holds GetObject on the source.
    func processedImage(_ object: ObjectRecord, bucket: BucketRecord, process: String, fields: HTTPFields, caller: Caller)
        async throws -> Response
    {
        let job = try await imageJob(process: try ProcessRequest.parse(process), source: object, bucket: bucket, caller: caller)
        let (entry, outcome) = try await render(job)
        var headers = HTTPFields()
        headers[.contentType] = entry.contentType
        headers[.contentLength] = String(entry.body.readableBytes)
        headers[.lastModified] = fields[.lastModified]
        headers[.siloImageCache] = "\(outcome)"
        if let disposition = fields[.contentDisposition] { headers[.contentDisposition] = disposition }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: entry.body))
    }

    func imageJob(process: ProcessRequest, source: ObjectRecord, bucket: BucketRecord, caller: Caller) async throws -> ImageJob {
        let imaging = try requireImaging()
        if settings.imageProcessing == .styles, case .image = process {
            throw OSSError(status: 403, code: "AccessDenied", message: "This server allows image processing only through the bucket's styles.")
        }
        let pipeline = try await resolve(process, bucket: bucket)
        try checkSourceSize(source, imaging: imaging)
        var watermarks: [String: ObjectRecord] = [:]
        for key in pipeline.watermarkImageKeys where watermarks[key] == nil {
            let record = try await metadata.object(bucket: bucket.name, key: key)
            // Compositing reads the watermark object: the caller must be allowed to read it, or a watermark
            // would reveal objects outside the caller's reach.
            try await authorize(caller, .getObject, bucket: bucket, key: key, object: record)
            guard let record, record.type != .symlink else {
                throw OSSError(status: 400, code: "WatermarkError", message: "The watermark object \(key) does not exist.")
            }
            try checkSourceSize(record, imaging: imaging)
            watermarks[key] = record
        }
        return ImageJob(bucket: bucket, source: source, pipeline: pipeline, watermarks: watermarks)
    }

    /// The worker pool; a server built without one answers image requests NotImplemented.
    private func requireImaging() throws -> ImageWorkers {
        guard let imaging = settings.imaging else { throw OSSError.notImplemented("Image processing is not enabled.") }
        return imaging
    }

    private func checkSourceSize(_ object: ObjectRecord, imaging: ImageWorkers) throws {
        guard object.size <= Int64(imaging.processor.limits.maxSourceBytes) else {
            throw OSSError(status: 400, code: "ImageTooLarge", message: "The image \(object.key) is larger than 20 MB.")
        }
    }

    /// `style/<name>` becomes the bucket's stored pipeline; a style cannot name another style.
    func resolve(_ process: ProcessRequest, bucket: BucketRecord) async throws -> ImagePipeline {
        switch process {
        case .image(let pipeline): return pipeline
        case .style(let name):
            guard let style = try await metadata.style(bucket: bucket.name, name: name) else {
                throw Self.noSuchStyle(name)
            }
            guard case .image(let pipeline) = try ProcessRequest.parse(style.content) else {
                throw OSSError.invalidArgument("The style \(name) names another style.", name: "x-oss-process")
            }
            return pipeline
        }
    }

    /// From the derived-image cache, or computed on the worker pool (once for concurrent identical requests).
    func render(_ job: ImageJob) async throws -> (DerivedImageCache.Entry, DerivedImageCache.Outcome) {
        let imaging = try requireImaging()
        let blobs = objects.blobs
        let compute: @Sendable () async throws -> DerivedImageCache.Entry = {
            let source = try await Self.imageSource(job.source, blobs: blobs)
            var marks: [String: ByteBuffer] = [:]
            for (key, record) in job.watermarks { marks[key] = try await Self.readWhole(record, blobs: blobs) }
            let output = try await imaging.process(source, pipeline: job.pipeline, watermarks: marks)
            return DerivedImageCache.Entry(body: ByteBuffer(data: output.data), contentType: output.contentType)
        }
        guard let cache = settings.derivedImages else { return (try await compute(), .miss) }
        return try await cache.entry(for: job.cacheKey, compute: compute)
    }

    /// A single-extent object on disk is mapped, not read: no copy of up to 20 MB per transform.
    private static func imageSource(_ object: ObjectRecord, blobs: any BlobStore) async throws -> ImageSource {
        if object.extents.count == 1, let files = blobs as? any FileBackedBlobStore,
            let span = try await files.fileSpans(object.extents, range: 0..<object.size).first
        {
            defer { close(span.descriptor) }
            if let mapped = ImageSource(descriptor: span.descriptor, offset: span.offset, length: span.length) { return mapped }
        }
        return ImageSource(try await readWhole(object, blobs: blobs))
    }

    private static func readWhole(_ object: ObjectRecord, blobs: any BlobStore) async throws -> ByteBuffer {
        guard object.size > 0 else { return ByteBuffer() }
        return try await blobs.readWhole(object.extents, range: 0..<object.size)
    }
}
