import SiloCore
import SiloStorage

/// Who may do what before RAM policies exist: the root key may do anything; anonymous requests only what
/// bucket and object ACLs grant (spec §3, §7.11).
enum AccessControl {
    static let aclDenied = OSSError.accessDenied("You have no right to access this object because of bucket acl.")

    static func checkBucket(_ principal: Principal, _ route: Route, bucket: BucketRecord) throws {
        guard case .anonymous = principal else { return }
        switch route {
        case .listObjects, .listObjectsV2:
            guard bucket.acl != .private else { throw aclDenied }
        case .putObject, .appendObject, .copyObject, .deleteObject, .deleteMultipleObjects, .putSymlink:
            // Writes need a public-read-write bucket, or (for existing objects) a public-read-write object ACL,
            // which the object check decides.
            return
        case .getObject, .headObject, .getObjectMeta, .getSymlink:
            return
        default:
            throw OSSError.accessDenied("Anonymous access is forbidden for this operation.")
        }
    }

    static func checkObjectRead(_ principal: Principal, bucket: BucketRecord, object: ObjectRecord) throws {
        guard case .anonymous = principal else { return }
        guard object.acl.effective(bucket: bucket.acl) != .private else { throw aclDenied }
    }

    static func checkObjectWrite(_ principal: Principal, bucket: BucketRecord, existing: ObjectRecord?) throws {
        guard case .anonymous = principal else { return }
        if bucket.acl == .publicReadWrite && (existing == nil || existing!.acl == .default) { return }
        if let existing, existing.acl.effective(bucket: bucket.acl) == .publicReadWrite { return }
        throw aclDenied
    }
}

extension OSSError {
    /// A feature OSS has and Silo does not implement.
    static func unsupported(_ feature: String) -> OSSError {
        OSSError(status: 501, code: "NotImplemented", message: "Silo does not implement this operation: \(feature).")
    }
}
