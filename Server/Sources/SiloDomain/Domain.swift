import SiloIAM
import SiloImaging
import SiloMedia
import SiloStorage

/// The application layer over one set of stores, wired once: every front end (OSS, STS, admin, and the ones to
/// come) calls these services, and nothing else, to act on storage and identity.
public struct Domain: Sendable {
    public let access: AccessControl
    public let buckets: BucketService
    public let objects: ObjectService
    public let workflows: ObjectWorkflows
    public let images: ImageService
    public let media: MediaService
    public let mediaJobs: MediaJobService
    public let callbacks: CallbackDelivery
    public let iam: IAMService
    public let events: EventService
    public let mediaNotifications: MediaNotificationService

    /// How images and video are processed on this deployment.
    public struct Imaging: Sendable {
        public var workers: ImageWorkers?
        /// Nil: `video/...` answers NotImplemented (no ffmpeg on this host).
        public var media: MediaWorkers?
        /// Nil: `x-oss-async-process` answers NotImplemented.
        public var transcoder: MediaTranscoder?
        public var cache: DerivedImageCache?
        public var policy: ImageProcessingPolicy

        public init(workers: ImageWorkers? = nil, media: MediaWorkers? = nil, transcoder: MediaTranscoder? = nil,
                    cache: DerivedImageCache? = nil, policy: ImageProcessingPolicy = .any) {
            self.workers = workers
            self.media = media
            self.transcoder = transcoder
            self.cache = cache
            self.policy = policy
        }
    }

    /// - Parameters:
    ///   - publicKeyURL: where callback receivers fetch storage's public key (it depends on the bound port).
    public init(metadata: any StorageMetadata & ImageStyleStore & EventStore & MediaJobStore, blobs: any BlobStore, iam: IAMService, accountId: String,
                imaging: Imaging = Imaging(), callbacks: CallbackSettings = CallbackSettings(),
                publicKeyURL: @escaping @Sendable () -> String = { "" },
                clock: @escaping @Sendable () -> Int64) {
        self.iam = iam
        access = AccessControl(iam: iam, accountId: accountId, clock: clock, objects: metadata)
        objects = ObjectService(metadata: metadata, blobs: blobs, clock: clock)
        // A replaced or deleted object's derived images go at once: the cache never serves an old source.
        if let cache = imaging.cache {
            objects.changes.observe { bucket, key in cache.invalidate(bucket: bucket, key: key) }
        }
        buckets = BucketService(store: metadata, multipart: metadata, accountId: accountId, clock: clock)
        events = EventService(buckets: metadata, events: metadata, clock: clock)
        mediaNotifications = MediaNotificationService(buckets: metadata, iam: iam)
        workflows = ObjectWorkflows(objects: objects, access: access)
        images = ImageService(styles: metadata, objects: metadata, blobs: blobs, access: access, workers: imaging.workers,
                              cache: imaging.cache, policy: imaging.policy, clock: clock)
        media = MediaService(blobs: blobs, workers: imaging.media, cache: imaging.cache, policy: imaging.policy)
        mediaJobs = MediaJobService(jobs: metadata, buckets: buckets, access: access, accountId: accountId,
                                    transcoder: imaging.transcoder, clock: clock)
        self.callbacks = CallbackDelivery(settings: callbacks, blobs: blobs, accountId: accountId, clock: clock,
                                          publicKeyURL: publicKeyURL)
    }
}
