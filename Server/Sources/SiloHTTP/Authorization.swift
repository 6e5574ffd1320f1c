import Foundation
import NIOConcurrencyHelpers
import SiloCore
import SiloIAM
import SiloPolicy
import SiloStorage

/// Who is asking, and the facts about the request that policy conditions may test.
struct Caller: Sendable {
    let principal: Principal
    let sourceIP: String?
    let userAgent: String?
    let accessKeyId: String?

    var isAnonymous: Bool { principal.isAnonymous }
}

/// What the bucket and object ACLs can grant an operation.
enum ACLScope {
    case none
    case read
    case write
}

extension Route {
    var aclScope: ACLScope {
        switch self {
        case .listObjects, .listObjectsV2, .getObject, .headObject, .getObjectMeta, .getSymlink, .listParts,
             .listMultipartUploads, .processObject:
            return .read
        case .putObject, .postObject, .appendObject, .copyObject, .deleteObject, .deleteMultipleObjects, .putSymlink,
             .initiateMultipartUpload, .uploadPart, .uploadPartCopy, .completeMultipartUpload, .abortMultipartUpload:
            return .write
        default: return .none
        }
    }
}

/// Parsed bucket policies, keyed by their text: parsing is per change, not per request.
final class BucketPolicyCache: Sendable {
    private let cache = NIOLockedValueBox<[String: Policy]>([:])

    func policy(_ text: String) -> Policy? {
        if let cached = cache.withLockedValue({ $0[text] }) { return cached }
        guard let parsed = try? Policy(json: text) else { return nil }
        cache.withLockedValue { cache in
            if cache.count > 1024 { cache.removeAll() }
            cache[text] = parsed
        }
        return parsed
    }
}

extension OSSService {
    /// Refuses an anonymous request that nothing could allow, before its body is read: a request body may be
    /// parsed only for callers who could be authorized. Only the bucket's ACL and a bucket-policy statement
    /// naming anyone can grant an anonymous caller anything; signed requests are authenticated already and
    /// are authorized per key once the body says which keys.
    func requireAnonymousMayAttempt(_ caller: Caller, _ route: Route, bucket: BucketRecord) throws {
        guard caller.isAnonymous else { return }
        switch route.aclScope {
        case .read where bucket.acl != .private: return
        case .write where bucket.acl == .publicReadWrite: return
        default: break
        }
        if let text = bucket.policy, let policy = bucketPolicies.policy(text), policy.mayAllowAnonymous(route.action) {
            return
        }
        throw OSSError.accessDenied("You have no right to access this object because of bucket acl.")
            .with("Action", route.action).with("Resource", resourceARN(bucket: bucket.name, key: nil))
    }

    func resourceARN(bucket: String?, key: String?) -> String {
        guard let bucket else { return "acs:oss:*:\(settings.accountId):*" }
        guard let key else { return "acs:oss:*:\(settings.accountId):\(bucket)" }
        return "acs:oss:*:\(settings.accountId):\(bucket)/\(key)"
    }

    /// Every OSS request passes here: RAM policies (identity, session, bucket) and ACLs decide (spec §16.5).
    /// `object` is the object the request reads or replaces, when it exists; its ACL may grant more than the bucket's.
    func authorize(_ caller: Caller, _ route: Route, action: String? = nil, bucket: BucketRecord?, key: String? = nil,
                   object: ObjectRecord? = nil, values: [String: [String]] = [:]) async throws {
        let action = action ?? route.action
        let resource = resourceARN(bucket: bucket?.name, key: key)
        var aclAllows = false
        if let bucket {
            let effective = object?.acl.effective(bucket: bucket.acl) ?? bucket.acl
            switch route.aclScope {
            case .read: aclAllows = effective != .private
            case .write: aclAllows = effective == .publicReadWrite
            case .none: aclAllows = false
            }
        }
        var input = AuthorizationInput(aclAllows: aclAllows)
        if case .root = caller.principal { input.isAccountRoot = true }
        input.identityPolicies = try await iam.identityPolicies(for: caller.principal)
        input.sessionPolicy = try await iam.sessionPolicy(for: caller.principal)
        if let text = bucket?.policy, let policy = bucketPolicies.policy(text) {
            input.resourcePolicy = NamedPolicy("the bucket policy of \(bucket!.name)", policy)
        }
        var context = values
        context["acs:CurrentTime"] = [Timestamps.iso8601NoFraction(unixSeconds: settings.clock())]
        context["acs:SecureTransport"] = ["false"]
        if let ip = caller.sourceIP { context["acs:SourceIp"] = [ip] }
        if let agent = caller.userAgent { context["acs:UserAgent"] = [agent] }
        if let id = caller.accessKeyId { context["acs:AccessId"] = [id] }
        let decision = Authorizer.decide(input, RequestContext(
            action: action, resource: resource, principal: caller.principal.identity(account: settings.accountId),
            values: context))
        guard !decision.allowed else { return }
        if caller.isAnonymous && input.resourcePolicy == nil {
            throw OSSError.accessDenied("You have no right to access this object because of bucket acl.")
                .with("Action", action).with("Resource", resource)
        }
        throw OSSError.accessDenied("Access denied by authorizer's policy. \(decision.description)")
            .with("Action", action).with("Resource", resource)
    }
}
