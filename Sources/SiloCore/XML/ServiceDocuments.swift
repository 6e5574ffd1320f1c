/// Response documents for the service and bucket APIs (spec §9).

public struct Owner: Sendable, Hashable {
    public var id: String
    public var displayName: String

    public init(id: String, displayName: String? = nil) {
        self.id = id
        self.displayName = displayName ?? id
    }

    func render(into w: XMLWriter) {
        w.element("Owner") {
            w.element("ID", id)
            w.element("DisplayName", displayName)
        }
    }

    /// The `<Owner>` element's bytes, for a listing page that repeats it on every entry: rendered once, copied after.
    var fragment: [UInt8] {
        let w = XMLWriter(declaration: false)
        render(into: w)
        return w.bytes
    }
}

/// Where a bucket lives, as ListBuckets and GetBucketInfo report it.
public struct BucketLocation: Sendable, Hashable {
    public var region: String
    public var extranetEndpoint: String
    public var intranetEndpoint: String

    public init(region: String, extranetEndpoint: String, intranetEndpoint: String) {
        self.region = region
        self.extranetEndpoint = extranetEndpoint
        self.intranetEndpoint = intranetEndpoint
    }

    /// `oss-<region>`, the LocationConstraint form.
    public var location: String { "oss-" + region }
}

public struct BucketSummary: Sendable, Hashable {
    public var name: String
    public var creationDate: Int64
    public var storageClass: StorageClass
    public var location: BucketLocation

    public init(name: String, creationDate: Int64, storageClass: StorageClass, location: BucketLocation) {
        self.name = name
        self.creationDate = creationDate
        self.storageClass = storageClass
        self.location = location
    }
}

public struct ListAllMyBucketsResult: XMLRenderable {
    public var prefix: String
    public var marker: String
    public var maxKeys: Int
    public var nextMarker: String?
    public var owner: Owner
    public var buckets: [BucketSummary]

    public init(prefix: String, marker: String, maxKeys: Int, nextMarker: String?, owner: Owner, buckets: [BucketSummary]) {
        self.prefix = prefix
        self.marker = marker
        self.maxKeys = maxKeys
        self.nextMarker = nextMarker
        self.owner = owner
        self.buckets = buckets
    }

    public func render(into w: XMLWriter) {
        w.element("ListAllMyBucketsResult") {
            w.element("Prefix", prefix)
            w.element("Marker", marker)
            w.element("MaxKeys", maxKeys)
            w.element("IsTruncated", nextMarker != nil)
            w.optional("NextMarker", nextMarker)
            owner.render(into: w)
            w.element("Buckets") {
                for bucket in buckets {
                    w.element("Bucket") {
                        w.element("CreationDate", iso8601: bucket.creationDate)
                        w.element("ExtranetEndpoint", bucket.location.extranetEndpoint)
                        w.element("IntranetEndpoint", bucket.location.intranetEndpoint)
                        w.element("Location", bucket.location.location)
                        w.element("Name", bucket.name)
                        w.element("Region", bucket.location.region)
                        w.element("StorageClass", bucket.storageClass.rawValue)
                    }
                }
            }
        }
    }
}

public struct BucketInfoResult: XMLRenderable {
    public var bucket: BucketSummary
    public var owner: Owner
    public var acl: BucketACL
    /// `Enabled` or `Suspended`; absent for a bucket that never had versioning.
    public var versioning: String?
    /// The bucket's default server-side encryption (`AES256`), nil for none.
    public var encryption: String?

    public init(bucket: BucketSummary, owner: Owner, acl: BucketACL, versioning: String? = nil, encryption: String? = nil) {
        self.bucket = bucket
        self.owner = owner
        self.acl = acl
        self.versioning = versioning
        self.encryption = encryption
    }

    public func render(into w: XMLWriter) {
        w.element("BucketInfo") {
            w.element("Bucket") {
                w.element("AccessMonitor", "Disabled")
                w.element("CreationDate", iso8601: bucket.creationDate)
                w.element("ExtranetEndpoint", bucket.location.extranetEndpoint)
                w.element("IntranetEndpoint", bucket.location.intranetEndpoint)
                w.element("Location", bucket.location.location)
                w.element("StorageClass", bucket.storageClass.rawValue)
                w.element("TransferAcceleration", "Disabled")
                w.element("CrossRegionReplication", "Disabled")
                w.element("Name", bucket.name)
                w.element("ResourceGroupId", "")
                owner.render(into: w)
                w.element("AccessControlList") { w.element("Grant", acl.rawValue) }
                w.element("Comment", "")
                w.element("DataRedundancyType", "LRS")
                w.optional("Versioning", versioning)
                w.element("ServerSideEncryptionRule") { w.element("SSEAlgorithm", encryption ?? "None") }
                w.element("BucketPolicy") {
                    w.element("LogBucket", "")
                    w.element("LogPrefix", "")
                }
            }
        }
    }
}

public struct LocationConstraintResult: XMLRenderable {
    public var location: String
    public init(location: String) { self.location = location }
    public func render(into w: XMLWriter) { w.element("LocationConstraint", location) }
}

/// GetBucketAcl and GetObjectAcl.
public struct AccessControlPolicyResult: XMLRenderable {
    public var owner: Owner
    public var grant: String

    public init(owner: Owner, grant: String) {
        self.owner = owner
        self.grant = grant
    }

    public func render(into w: XMLWriter) {
        w.element("AccessControlPolicy") {
            owner.render(into: w)
            w.element("AccessControlList") { w.element("Grant", grant) }
        }
    }
}

public struct BucketStatResult: XMLRenderable {
    public var storage: Int64
    public var objectCount: Int64
    public var multipartUploadCount: Int64
    public var liveChannelCount: Int64 = 0
    public var lastModifiedTime: Int64
    public var standardStorage: Int64
    public var standardObjectCount: Int64
    public var infrequentAccessStorage: Int64
    public var infrequentAccessObjectCount: Int64

    public init(storage: Int64, objectCount: Int64, multipartUploadCount: Int64, lastModifiedTime: Int64,
                standardStorage: Int64, standardObjectCount: Int64,
                infrequentAccessStorage: Int64, infrequentAccessObjectCount: Int64) {
        self.storage = storage
        self.objectCount = objectCount
        self.multipartUploadCount = multipartUploadCount
        self.lastModifiedTime = lastModifiedTime
        self.standardStorage = standardStorage
        self.standardObjectCount = standardObjectCount
        self.infrequentAccessStorage = infrequentAccessStorage
        self.infrequentAccessObjectCount = infrequentAccessObjectCount
    }

    public func render(into w: XMLWriter) {
        w.element("BucketStat") {
            w.element("Storage", storage)
            w.element("ObjectCount", objectCount)
            w.element("MultipartUploadCount", multipartUploadCount)
            w.element("LiveChannelCount", liveChannelCount)
            w.element("LastModifiedTime", lastModifiedTime)
            w.element("StandardStorage", standardStorage)
            w.element("StandardObjectCount", standardObjectCount)
            w.element("InfrequentAccessStorage", infrequentAccessStorage)
            w.element("InfrequentAccessRealStorage", infrequentAccessStorage)
            w.element("InfrequentAccessObjectCount", infrequentAccessObjectCount)
            for name in ["ArchiveStorage", "ArchiveRealStorage", "ArchiveObjectCount", "ColdArchiveStorage",
                         "ColdArchiveRealStorage", "ColdArchiveObjectCount", "DeepColdArchiveStorage",
                         "DeepColdArchiveRealStorage", "DeepColdArchiveObjectCount", "DeleteMarkerCount"] {
                w.element(name, 0)
            }
        }
    }
}

/// `GET /?live`: Silo has no live channels, but oss2's test teardown lists them and must not fail.
public struct ListLiveChannelResult: XMLRenderable {
    public var prefix: String
    public var marker: String
    public var maxKeys: Int

    public init(prefix: String, marker: String, maxKeys: Int) {
        self.prefix = prefix
        self.marker = marker
        self.maxKeys = maxKeys
    }

    public func render(into w: XMLWriter) {
        w.element("ListLiveChannelResult") {
            w.element("Prefix", prefix)
            w.element("Marker", marker)
            w.element("MaxKeys", maxKeys)
            w.element("IsTruncated", false)
            w.element("NextMarker", "")
        }
    }
}
