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
                    if bucket.versioning != nil, rule.actsOnVersions {
                        try await applyToVersions(rule, bucket: bucket.name, now: now, report: &report)
                    }
                    try await abortUploads(rule, bucket: bucket.name, now: now, report: &report)
                }
            }
            guard buckets.count == Self.page, let last = buckets.last else { return report }
            marker = last.name
        }
    }

    func applyToObjects(_ rule: LifecycleRule, bucket: String, now: Int64, report: inout Report) async throws {
        guard rule.expiration != nil || !rule.transitions.isEmpty else { return }
        // In a versioned bucket expiring the current version puts a delete marker over it (deleteObject does).
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
        // An attribute change, not a new version; false when it was rewritten since it was read (the next run
        // judges the new version).
        if try await objects.metadata.updateAttributes(bucket: bucket, key: key, versionId: nil, expected: version,
                                                       acl: record.acl, tags: record.tags, storageClass: target) {
            objects.changes.changed(bucket: bucket, key: key)
            report.transitioned += 1
        }
    }

    /// Non-current versions (expired or moved colder by days since they stopped being current, which is when
    /// the next newer version was written) and expired delete markers (a marker that is all that is left of its
    /// key). Versions are immutable, so deleting one by id never deletes something the rule did not judge.
    func applyToVersions(_ rule: LifecycleRule, bucket: String, now: Int64, report: inout Report) async throws {
        var keyMarker: String?
        var versionIdMarker: String?
        var previous: (key: String, lastModified: Int64)?
        while true {
            let listing = try await objects.metadata.listVersions(VersionListQuery(
                bucket: bucket, prefix: rule.prefix, keyMarker: keyMarker, versionIdMarker: versionIdMarker,
                limit: Self.page))
            for case .version(let version, let isLatest) in listing.entries {
                let key: String
                let lastModified: Int64
                switch version {
                case .object(let record): (key, lastModified) = (record.key, record.lastModified)
                case .deleteMarker(let marker): (key, lastModified) = (marker.key, marker.lastModified)
                }
                defer { previous = (key, lastModified) }
                if case .deleteMarker(let marker) = version, isLatest, rule.expiredObjectDeleteMarker == true {
                    try await expireMarker(marker, bucket: bucket, report: &report)
                    continue
                }
                guard !isLatest, let successor = previous, successor.key == key,
                      case .object(let record) = version, rule.selects(key: key, size: record.size, tags: record.tags.tags)
                else { continue }
                try await actOnNoncurrent(rule, record, noncurrentSince: successor.lastModified, bucket: bucket, now: now,
                                          report: &report)
            }
            guard listing.isTruncated else { return }
            keyMarker = listing.nextKeyMarker
            versionIdMarker = listing.nextVersionIdMarker
        }
    }

    func actOnNoncurrent(_ rule: LifecycleRule, _ record: ObjectRecord, noncurrentSince: Int64, bucket: String, now: Int64,
                         report: inout Report) async throws {
        if rule.noncurrentExpired(noncurrentSince: noncurrentSince, now: now) {
            _ = try await objects.deleteVersions(bucket: bucket, [(record.key, record.versionName)])
            report.expired += 1
            return
        }
        guard let target = rule.dueNoncurrentTransition(noncurrentSince: noncurrentSince, current: record.storageClass,
                                                        now: now)
        else { return }
        if try await objects.metadata.updateAttributes(bucket: bucket, key: record.key, versionId: record.versionName,
                                                       expected: ObjectVersion(record), acl: record.acl,
                                                       tags: record.tags, storageClass: target) {
            report.transitioned += 1
        }
    }

    /// A delete marker with no version behind it protects nothing: it goes, unless a version was written meanwhile.
    func expireMarker(_ marker: DeleteMarker, bucket: String, report: inout Report) async throws {
        let rest = try await objects.metadata.listVersions(VersionListQuery(bucket: bucket, prefix: marker.key, limit: 2))
        let versionsOfKey = rest.entries.filter { entry in
            switch entry {
            case .version(.object(let record), _): return record.key == marker.key
            case .version(.deleteMarker(let other), _): return other.key == marker.key
            case .commonPrefix: return false
            }
        }
        guard versionsOfKey.count == 1 else { return }
        _ = try await objects.deleteVersions(bucket: bucket, [(marker.key, marker.versionId)])
        report.expired += 1
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
