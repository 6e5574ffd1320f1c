import Foundation
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloImaging
import SiloStorage

/// Which process strings requests may carry: any, or only the buckets' named styles (so clients cannot ask for
/// arbitrary, costly transforms).
public enum ImageProcessingPolicy: String, Sendable, CaseIterable {
    case any
    /// `style/<name>` only; `image/...` is refused.
    case styles
}

/// One processing request resolved: the pipeline (styles looked up) and every object it reads, authorized.
public struct ImageJob: Sendable {
    public var bucket: BucketRecord
    public var source: ObjectRecord
    public var pipeline: ImagePipeline
    public var watermarks: [String: ObjectRecord]
    /// When the pipeline reads a frame of the source rather than the source itself: the frame's canonical action.
    public var frame: String?

    /// The result depends on the source version, the canonical pipeline and the watermark objects' versions.
    var cacheKey: DerivedImageCache.Key {
        var variant = source.etag + "\n" + (frame.map { $0 + "|" } ?? "") + pipeline.canonical
        for key in watermarks.keys.sorted() { variant += "\n" + key + "=" + watermarks[key]!.etag }
        return DerivedImageCache.Key(bucket: bucket.name, object: source.key, variant: variant)
    }
}

/// `x-oss-process` images and bucket styles: resolves a request into a job (styles, watermark objects, every
/// read authorized), renders it on the worker pool through the derived-image cache, and keeps the styles.
public struct ImageService: Sendable {
    public static let maxStylesPerBucket = 50

    let styles: any ImageStyleStore
    let objects: any ObjectStore
    let blobs: any BlobStore
    let access: AccessControl
    public let workers: ImageWorkers?
    public let cache: DerivedImageCache?
    public let policy: ImageProcessingPolicy
    let clock: @Sendable () -> Int64

    public init(styles: any ImageStyleStore, objects: any ObjectStore, blobs: any BlobStore, access: AccessControl,
                workers: ImageWorkers?, cache: DerivedImageCache?, policy: ImageProcessingPolicy,
                clock: @escaping @Sendable () -> Int64) {
        self.styles = styles
        self.objects = objects
        self.blobs = blobs
        self.access = access
        self.workers = workers
        self.cache = cache
        self.policy = policy
        self.clock = clock
    }

    /// The job for `process` on `source`, whose read the caller is already allowed.
    public func job(process: ProcessRequest, source: ObjectRecord, bucket: BucketRecord, caller: Caller) async throws -> ImageJob {
        let workers = try requireWorkers()
        if policy == .styles, case .image = process { throw ImagingError.stylesOnly }
        let pipeline = try await resolve(process, bucket: bucket)
        try checkSourceSize(source, workers: workers)
        return try await job(pipeline: pipeline, source: source, bucket: bucket, caller: caller, workers: workers)
    }

    /// The job for image actions piped after a video snapshot: they read the frame, so the video's own size is no
    /// image's, but the watermark objects they name are read and authorized as for any image.
    public func job(pipeline: ImagePipeline, afterFrame frame: String, source: ObjectRecord, bucket: BucketRecord,
                    caller: Caller) async throws -> ImageJob {
        let workers = try requireWorkers()
        if policy == .styles { throw ImagingError.stylesOnly }
        var job = try await job(pipeline: pipeline, source: source, bucket: bucket, caller: caller, workers: workers)
        job.frame = frame
        return job
    }

    private func job(pipeline: ImagePipeline, source: ObjectRecord, bucket: BucketRecord, caller: Caller,
                     workers: ImageWorkers) async throws -> ImageJob {
        var watermarks: [String: ObjectRecord] = [:]
        for key in pipeline.watermarkImageKeys where watermarks[key] == nil {
            let record = try await objects.object(bucket: bucket.name, key: key)
            // Compositing reads the watermark object: the caller must be allowed to read it, or a watermark
            // would reveal objects outside the caller's reach.
            try await access.authorize(caller, action: "oss:GetObject", scope: .read, bucket: bucket, key: key, object: record)
            guard let record, record.type != .symlink else {
                throw ImagingError.watermark("The watermark object \(key) does not exist.")
            }
            try checkSourceSize(record, workers: workers)
            watermarks[key] = record
        }
        return ImageJob(bucket: bucket, source: source, pipeline: pipeline, watermarks: watermarks)
    }

    func requireWorkers() throws(ImagingError) -> ImageWorkers {
        guard let workers else { throw .unsupported("Image processing is not enabled.") }
        return workers
    }

    private func checkSourceSize(_ object: ObjectRecord, workers: ImageWorkers) throws(ImagingError) {
        guard object.size <= Int64(workers.processor.limits.maxSourceBytes) else {
            throw .tooLarge("The image \(object.key) is larger than 20 MB.")
        }
    }

    /// `style/<name>` becomes the bucket's stored pipeline; a style cannot name another style.
    func resolve(_ process: ProcessRequest, bucket: BucketRecord) async throws -> ImagePipeline {
        switch process {
        case .image(let pipeline): return pipeline
        case .video: throw ImagingError.invalidProcess("A video action is not an image pipeline.")
        case .style(let name):
            guard let style = try await styles.style(bucket: bucket.name, name: name) else {
                throw ImagingError.noSuchStyle(name)
            }
            guard case .image(let pipeline) = try ProcessRequest.parse(style.content) else {
                throw ImagingError.invalidProcess("The style \(name) is not an image pipeline.")
            }
            return pipeline
        }
    }

    /// From the derived-image cache, or computed on the worker pool (once for concurrent identical requests).
    /// - Parameter input: the image the pipeline reads when it is not the stored source (a video's frame).
    public func render(_ job: ImageJob, input: (@Sendable () async throws -> ByteBuffer)? = nil) async throws
        -> (DerivedImageCache.Entry, DerivedImageCache.Outcome)
    {
        let workers = try requireWorkers()
        let blobs = self.blobs
        let compute: @Sendable () async throws -> DerivedImageCache.Entry = {
            let source = if let input { ImageSource(try await input()) } else { try await Self.imageSource(job.source, blobs: blobs) }
            var marks: [String: ByteBuffer] = [:]
            for (key, record) in job.watermarks { marks[key] = try await Self.readWhole(record, blobs: blobs) }
            let output = try await workers.process(source, pipeline: job.pipeline, watermarks: marks)
            return DerivedImageCache.Entry(body: ByteBuffer(data: output.data), contentType: output.contentType)
        }
        guard let cache else { return (try await compute(), .miss) }
        return try await cache.entry(for: job.cacheKey, compute: compute)
    }

    /// A single-extent object on disk is mapped, not read: no copy of up to 20 MB per transform.
    private static func imageSource(_ object: ObjectRecord, blobs: any BlobStore) async throws -> ImageSource {
        if object.extents.count == 1, let files = blobs as? any FileBackedBlobStore, files.servesFileSpans(object.extents),
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

    // MARK: styles

    /// Creates or replaces a style; the content is stored as given and fails when used, as the service does.
    public func putStyle(bucket: String, name: String, content: String) async throws {
        let now = clock()
        switch try await styles.putStyle(ImageStyleRecord(bucket: bucket, name: name, content: content, createdAt: now,
                                                          modifiedAt: now), maxPerBucket: Self.maxStylesPerBucket) {
        case .saved: return
        case .noSuchBucket: throw StorageError.noSuchBucket(bucket)
        case .tooMany: throw ImagingError.tooManyStyles(Self.maxStylesPerBucket)
        }
    }

    public func style(bucket: String, name: String) async throws -> ImageStyleRecord {
        guard let style = try await styles.style(bucket: bucket, name: name) else { throw ImagingError.noSuchStyle(name) }
        return style
    }

    public func styles(bucket: String) async throws -> [ImageStyleRecord] { try await styles.styles(bucket: bucket) }

    public func deleteStyle(bucket: String, name: String) async throws {
        guard try await styles.deleteStyle(bucket: bucket, name: name) else { throw ImagingError.noSuchStyle(name) }
    }
}
