#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOCore
import SiloCore
import SiloImaging
import SiloMedia
import SiloStorage
import SystemPackage

/// `x-oss-process=video/...`: a snapshot or the media's description, computed by the media workers through the
/// derived-image cache (keyed by the source's ETag and the canonical action, like images).
public struct MediaService: Sendable {
    let blobs: any BlobStore
    public let workers: MediaWorkers?
    let cache: DerivedImageCache?
    let policy: ImageProcessingPolicy

    public init(blobs: any BlobStore, workers: MediaWorkers?, cache: DerivedImageCache?, policy: ImageProcessingPolicy) {
        self.blobs = blobs
        self.workers = workers
        self.cache = cache
        self.policy = policy
    }

    /// The answer to `process` on `source`, whose read the caller is already allowed.
    public func render(_ process: VideoProcess, source: ObjectRecord, bucket: BucketRecord) async throws
        -> (DerivedImageCache.Entry, DerivedImageCache.Outcome)
    {
        guard let workers else { throw MediaError.unsupported("Video processing is not enabled on this server.") }
        // Taking frames is far costlier than resizing images: a server that allows only named styles allows no video.
        if policy == .styles { throw ImagingError.stylesOnly }
        guard source.size > 0, source.type != .symlink else { throw MediaError.badMedia("The object is empty.") }
        let blobs = self.blobs
        let compute: @Sendable () async throws -> DerivedImageCache.Entry = {
            try await Self.withInput(source, blobs: blobs, limits: workers.limits) { input in
                switch process {
                case .snapshot(let snapshot):
                    let image = try await workers.snapshot(snapshot, input: input)
                    return DerivedImageCache.Entry(body: ByteBuffer(bytes: image), contentType: snapshot.format.contentType)
                case .info:
                    let info = try await workers.info(input: input)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    return DerivedImageCache.Entry(body: ByteBuffer(data: try encoder.encode(info)),
                                                   contentType: "application/json")
                }
            }
        }
        guard let cache else { return (try await compute(), .miss) }
        let key = DerivedImageCache.Key(bucket: bucket.name, object: source.key, variant: source.etag + "\n" + process.canonical)
        return try await cache.entry(for: key, compute: compute)
    }

    /// The object as a child's standard input: its blob file itself when it is one plain extent on local disk,
    /// otherwise a private copy (unlinked at once, so nothing is left behind whatever happens to the process).
    static func withInput<Answer>(_ object: ObjectRecord, blobs: any BlobStore, limits: MediaLimits,
                                  _ body: (MediaInput) async throws -> Answer) async throws -> Answer
    {
        if object.extents.count == 1, let files = blobs as? any FileBackedBlobStore, files.servesFileSpans(object.extents) {
            let spans = try await files.fileSpans(object.extents, range: 0..<object.size)
            defer { for span in spans { close(span.descriptor) } }
            if spans.count == 1, let span = spans.first {
                return try await body(MediaInput(descriptor: FileDescriptor(rawValue: span.descriptor), offset: span.offset,
                                                 length: Int64(span.length)))
            }
        }
        guard object.size <= limits.maxSpoolBytes else {
            throw MediaError.tooLarge("Media stored in parts or encrypted is processed up to \(limits.maxSpoolBytes) bytes.")
        }
        let descriptor = try spool(object, blobs: blobs)
        defer { close(descriptor) }
        let reader = try await blobs.reader(for: object.extents)
        do {
            try await reader.read(0..<object.size, chunkSize: 1 << 20) { chunk in try writeAll(chunk, to: descriptor) }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return try await body(MediaInput(descriptor: FileDescriptor(rawValue: descriptor), offset: 0, length: object.size))
    }

    /// A new file only this process can reach: created exclusively, then unlinked while open.
    private static func spool(_ object: ObjectRecord, blobs: any BlobStore) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/silo-media-spool-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw MediaError.internalFailure("A spool file for media could not be made.") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }

    private static func writeAll(_ chunk: ByteBuffer, to descriptor: Int32) throws {
        try chunk.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw MediaError.internalFailure("The media spool file could not be written.")
                }
                offset += written
            }
        }
    }
}
