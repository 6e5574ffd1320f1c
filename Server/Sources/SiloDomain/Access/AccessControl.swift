import Foundation
import NIOConcurrencyHelpers
import SiloCore
import SiloIAM
import SiloPolicy
import SiloStorage

/// The one place OSS requests are authorized (spec §16.5): RAM policies (identity and session), the bucket
/// policy and the ACLs, with the request's condition values. Front ends call it through their route tables;
/// workflows call it for the secondary resources they touch (a copy's source, a watermark, a save-as target).
public final class AccessControl: Sendable {
    public let iam: IAMService
    let accountId: String
    let clock: @Sendable () -> Int64
    private let bucketPolicies = BucketPolicyCache()
    /// Where the tags of `oss:ExistingObjectTag/<key>` conditions come from when the caller did not load the object.
    let objects: (any ObjectStore)?

    public init(iam: IAMService, accountId: String, clock: @escaping @Sendable () -> Int64,
                objects: (any ObjectStore)? = nil) {
        self.iam = iam
        self.accountId = accountId
        self.clock = clock
        self.objects = objects
    }

    static let existingObjectTagPrefix = "oss:existingobjecttag/"

    public func resourceARN(bucket: String?, key: String?) -> String {
        guard let bucket else { return "acs:oss:*:\(accountId):*" }
        guard let key else { return "acs:oss:*:\(accountId):\(bucket)" }
        return "acs:oss:*:\(accountId):\(bucket)/\(key)"
    }

    /// Allows or throws `AccessDenied`. `object` is the object the request reads or replaces, when it exists:
    /// its ACL may grant more than the bucket's.
    public func authorize(_ caller: Caller, action: String, scope: ACLScope, bucket: BucketRecord?, key: String? = nil,
                          object: ObjectRecord? = nil, values: [String: [String]] = [:]) async throws {
        let resource = resourceARN(bucket: bucket?.name, key: key)
        var input = AuthorizationInput(aclAllows: false)
        if case .root = caller.principal { input.isAccountRoot = true }
        input.identityPolicies = try await iam.identityPolicies(for: caller.principal)
        input.sessionPolicy = try await iam.sessionPolicy(for: caller.principal)
        if let text = bucket?.policy, let policy = bucketPolicies.policy(text) {
            input.resourcePolicy = NamedPolicy("the bucket policy of \(bucket!.name)", policy)
        }
        var context = values
        // A condition on the object's tags needs the object, which a write's caller has not read: it is read
        // here, only when some policy in play has such a condition, so a Deny by tag is never skipped.
        var object = object
        if object == nil, let bucket, let key, let objects,
           input.policies.contains(where: { $0.policy.hasCondition(withKeyPrefix: Self.existingObjectTagPrefix) }) {
            object = try await objects.object(bucket: bucket.name, key: key)
        }
        for tag in object?.tags.tags ?? [] { context[Self.existingObjectTagPrefix + tag.key] = [tag.value] }
        if let bucket {
            let effective = object?.acl.effective(bucket: bucket.acl) ?? bucket.acl
            switch scope {
            case .read: input.aclAllows = effective != .private
            case .write: input.aclAllows = effective == .publicReadWrite
            case .none: input.aclAllows = false
            }
        }
        context["acs:CurrentTime"] = [Timestamps.iso8601NoFraction(unixSeconds: clock())]
        context["acs:SecureTransport"] = ["false"]
        if let ip = caller.sourceIP { context["acs:SourceIp"] = [ip] }
        if let agent = caller.userAgent { context["acs:UserAgent"] = [agent] }
        if let id = caller.accessKeyId { context["acs:AccessId"] = [id] }
        let decision = Authorizer.decide(input, RequestContext(
            action: action, resource: resource, principal: caller.principal.identity(account: accountId), values: context))
        AuthorizationTrail.current?.record(decision)
        guard !decision.allowed else { return }
        throw AccessDenied(action: action, resource: resource,
                           reason: caller.isAnonymous && input.resourcePolicy == nil ? .acl : .policy(decision.description))
    }

    /// Refuses, before its body is read, a request for `action` on keys the body will name when nothing could
    /// allow it on any key of the bucket: the bucket's ACL, a bucket-policy statement naming the caller, or (for
    /// a signed caller) an identity policy statement for the action, which a session's session policy must also
    /// have. An over-approximation: what passes is authorized per key once the body names the keys.
    public func requireMayAttempt(_ caller: Caller, action: String, scope: ACLScope, bucket: BucketRecord) async throws {
        if case .root = caller.principal { return }
        switch scope {
        case .read where bucket.acl != .private: return
        case .write where bucket.acl == .publicReadWrite: return
        default: break
        }
        let identity = caller.principal.identity(account: accountId)
        if let text = bucket.policy, let policy = bucketPolicies.policy(text),
            policy.mayAllow(action, principal: identity, asResourcePolicy: true) {
            return
        }
        if !caller.isAnonymous {
            let session = try await iam.sessionPolicy(for: caller.principal)
            let sessionMayAllow = session.map { $0.policy.mayAllow(action, principal: identity, asResourcePolicy: false) } ?? true
            let identityMayAllow = try await iam.identityPolicies(for: caller.principal).contains {
                $0.policy.mayAllow(action, principal: identity, asResourcePolicy: false)
            }
            if sessionMayAllow && identityMayAllow { return }
        }
        throw AccessDenied(action: action, resource: resourceARN(bucket: bucket.name, key: nil),
                           reason: caller.isAnonymous ? .acl : .policy("No policy could allow \(action) on any key of \(bucket.name)."))
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
