import Logging
import ServiceLifecycle
import SiloCore

/// Applies the buckets' lifecycle rules: expires objects, moves them to colder storage classes, and aborts
/// unfinished multipart uploads.
///
/// Every gateway runs it. Each action is conditional on the version of the object it evaluated (bytes, ACL and
/// tags), so an object rewritten or retagged after a rule selected it is left alone, two gateways applying the
/// same rule at once act on an object once, and a run that stops half way (a crash, a shutdown) leaves nothing
/// half done: the next run walks the rules again from the start.
public struct LifecycleService: Service {
    let objects: ObjectService
    let interval: Duration
    let clock: @Sendable () -> Int64
    let logger: Logger

    public init(objects: ObjectService, interval: Duration, clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.objects = objects
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public struct Report: Sendable, Hashable {
        public var expired = 0
        public var transitioned = 0
        public var abortedUploads = 0

        public init() {}
    }

    static let page = 1000

    /// One pass over every bucket's enabled rules, as of `now`.
    public func apply(now: Int64) async throws -> Report {
        var report = Report()
        var marker = ""
        while true {
            let buckets = try await objects.metadata.listBuckets(prefix: "", after: marker, limit: Self.page)
            for bucket in buckets {
                guard let configuration = bucket.lifecycle else { continue }
                for rule in configuration.rules where rule.enabled {
                    try await applyToObjects(rule, bucket: bucket.name, now: now, report: &report)
                    try await abortUploads(rule, bucket: bucket.name, now: now, report: &report)
                }
            }
            guard buckets.count == Self.page, let last = buckets.last else { return report }
            marker = last.name
        }
    }

    func applyToObjects(_ rule: LifecycleRule, bucket: String, now: Int64, report: inout Report) async throws {
        guard rule.expiration != nil || !rule.transitions.isEmpty else { return }
        var after: String?
        while true {
            let listing = try await objects.metadata.listObjects(
                ListQuery(bucket: bucket, prefix: rule.prefix, after: after, limit: Self.page))
            for case .object(let summary) in listing.entries where isDue(rule, summary, now: now) {
                try await act(rule, bucket: bucket, key: summary.key, now: now, report: &report)
            }
            guard listing.isTruncated, let last = listing.entries.last else { return }
            after = last.sortKey
        }
    }

    /// What the listing alone can tell: whether some action of the rule is due for this object.
    func isDue(_ rule: LifecycleRule, _ summary: ObjectSummary, now: Int64) -> Bool {
        if let expiration = rule.expiration, expiration.isDue(time: summary.lastModified, now: now) { return true }
        return rule.dueTransition(lastModified: summary.lastModified, current: summary.storageClass, now: now) != nil
    }

    /// Reads the object, checks the whole rule against it (tags included), and expires or moves it on the
    /// condition that it is still the version read.
    func act(_ rule: LifecycleRule, bucket: String, key: String, now: Int64, report: inout Report) async throws {
        guard let record = try await objects.metadata.object(bucket: bucket, key: key),
              rule.selects(key: key, size: record.size, tags: record.tags.tags)
        else { return }
        let version = ObjectVersion(record)
        if let expiration = rule.expiration, expiration.isDue(time: record.lastModified, now: now) {
            if try await objects.metadata.deleteObject(bucket: bucket, key: key, ifVersion: version) {
                objects.changes.changed(bucket: bucket, key: key)
                report.expired += 1
            }
            return
        }
        guard let target = rule.dueTransition(lastModified: record.lastModified, current: record.storageClass, now: now)
        else { return }
        var moved = record
        moved.storageClass = target
        do {
            try await objects.commit(moved, newBlobs: [], condition: .currentVersion(version))
            report.transitioned += 1
        } catch is ConditionFailure {
            // Rewritten since it was read: the next run judges the new version.
        } catch is SourceReleased {
        }
    }

    func abortUploads(_ rule: LifecycleRule, bucket: String, now: Int64, report: inout Report) async throws {
        guard let abort = rule.abortMultipartUpload else { return }
        var keyMarker: String?
        var uploadIdMarker: String?
        while true {
            let listing = try await objects.metadata.listUploads(UploadListQuery(
                bucket: bucket, prefix: rule.prefix, keyMarker: keyMarker, uploadIdMarker: uploadIdMarker, limit: Self.page))
            var last: UploadRecord?
            for case .upload(let upload) in listing.entries {
                last = upload
                // An upload has no size or tags yet: a rule's exclusions by prefix are all that can apply.
                guard abort.isDue(time: upload.initiated, now: now),
                      !rule.exclusions.contains(where: { $0.tag == nil && upload.key.hasPrefix($0.prefix) })
                else { continue }
                if try await objects.metadata.abortUpload(bucket: bucket, key: upload.key, uploadId: upload.uploadId) {
                    report.abortedUploads += 1
                }
            }
            guard listing.isTruncated, let last else { return }
            keyMarker = last.key
            uploadIdMarker = last.uploadId
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await apply(now: clock())
                if report != Report() {
                    logger.info("lifecycle rules applied", metadata: [
                        "expired": "\(report.expired)", "transitioned": "\(report.transitioned)",
                        "aborted_uploads": "\(report.abortedUploads)",
                    ])
                }
            } catch {
                logger.error("applying lifecycle rules failed", metadata: ["error": "\(error)"])
            }
            do {
                // A graceful stop must not wait out the interval.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
