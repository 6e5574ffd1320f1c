/// The admin API (JSON at `/-/admin/v1/` on the OSS listener): every operation, once.
///
/// Requests are signed like OSS requests (bucket `-`, key `admin/v1/<path>`) and authorized by RAM policy on
/// the operation's action and resource; the account root may do anything.
public enum AdminAPI {
    public static let listUsers = AdminOperation<NoPathParameters, AdminEmpty, [AdminUser]>(
        "ListUsers", .get, "users", action: "ram:ListUsers", resource: "user/*", summary: "List users")
    public static let createUser = AdminOperation<NoPathParameters, AdminCreateUser, AdminUser>(
        "CreateUser", .post, "users", action: "ram:CreateUser", resource: "user/{name}", status: 201,
        summary: "Create a user")
    public static let getUser = AdminOperation<UserPath, AdminEmpty, AdminUser>(
        "GetUser", .get, "users/{user}", action: "ram:GetUser", resource: "user/{user}", summary: "Get a user")
    public static let deleteUser = AdminOperation<UserPath, AdminEmpty, AdminEmpty>(
        "DeleteUser", .delete, "users/{user}", action: "ram:DeleteUser", resource: "user/{user}", status: 204,
        summary: "Delete a user with its keys and policy attachments")

    public static let listAccessKeys = AdminOperation<UserPath, AdminEmpty, [AdminAccessKey]>(
        "ListAccessKeys", .get, "users/{user}/keys", action: "ram:ListAccessKeys", resource: "user/{user}",
        summary: "List a user's access keys (never their secrets)")
    public static let createAccessKey = AdminOperation<UserPath, AdminEmpty, AdminAccessKey>(
        "CreateAccessKey", .post, "users/{user}/keys", action: "ram:CreateAccessKey", resource: "user/{user}", status: 201,
        summary: "Create an access key; the answer is the only one that shows the secret")
    public static let updateAccessKey = AdminOperation<UserKeyPath, AdminUpdateAccessKey, AdminEmpty>(
        "UpdateAccessKey", .put, "users/{user}/keys/{accessKeyId}", action: "ram:UpdateAccessKey",
        resource: "user/{user}", status: 204, summary: "Enable or disable an access key")
    public static let deleteAccessKey = AdminOperation<UserKeyPath, AdminEmpty, AdminEmpty>(
        "DeleteAccessKey", .delete, "users/{user}/keys/{accessKeyId}", action: "ram:DeleteAccessKey",
        resource: "user/{user}", status: 204, summary: "Delete an access key")

    public static let listPoliciesForUser = AdminOperation<UserPath, AdminEmpty, AdminNames>(
        "ListPoliciesForUser", .get, "users/{user}/policies", action: "ram:ListPoliciesForUser", resource: "user/{user}",
        summary: "Names of the policies attached to a user")
    public static let attachPolicyToUser = AdminOperation<UserPolicyPath, AdminEmpty, AdminEmpty>(
        "AttachPolicyToUser", .put, "users/{user}/policies/{policy}", action: "ram:AttachPolicyToUser",
        resource: "user/{user}", status: 204, summary: "Attach a policy to a user")
    public static let detachPolicyFromUser = AdminOperation<UserPolicyPath, AdminEmpty, AdminEmpty>(
        "DetachPolicyFromUser", .delete, "users/{user}/policies/{policy}", action: "ram:DetachPolicyFromUser",
        resource: "user/{user}", status: 204, summary: "Detach a policy from a user")

    public static let listRoles = AdminOperation<NoPathParameters, AdminEmpty, [AdminRole]>(
        "ListRoles", .get, "roles", action: "ram:ListRoles", resource: "role/*", summary: "List roles")
    public static let createRole = AdminOperation<NoPathParameters, AdminCreateRole, AdminRole>(
        "CreateRole", .post, "roles", action: "ram:CreateRole", resource: "role/{name}", status: 201,
        summary: "Create a role (trusted by every principal of the account unless a trust policy is given)")
    public static let getRole = AdminOperation<RolePath, AdminEmpty, AdminRole>(
        "GetRole", .get, "roles/{role}", action: "ram:GetRole", resource: "role/{role}", summary: "Get a role")
    public static let updateRole = AdminOperation<RolePath, AdminUpdateRole, AdminRole>(
        "UpdateRole", .put, "roles/{role}", action: "ram:UpdateRole", resource: "role/{role}",
        summary: "Change a role's trust policy, longest session or description (what is absent stays); sessions already issued keep their rights")
    public static let deleteRole = AdminOperation<RolePath, AdminEmpty, AdminEmpty>(
        "DeleteRole", .delete, "roles/{role}", action: "ram:DeleteRole", resource: "role/{role}", status: 204,
        summary: "Delete a role; its sessions end")
    public static let listPoliciesForRole = AdminOperation<RolePath, AdminEmpty, AdminNames>(
        "ListPoliciesForRole", .get, "roles/{role}/policies", action: "ram:ListPoliciesForRole", resource: "role/{role}",
        summary: "Names of the policies attached to a role")
    public static let attachPolicyToRole = AdminOperation<RolePolicyPath, AdminEmpty, AdminEmpty>(
        "AttachPolicyToRole", .put, "roles/{role}/policies/{policy}", action: "ram:AttachPolicyToRole",
        resource: "role/{role}", status: 204, summary: "Attach a policy to a role")
    public static let detachPolicyFromRole = AdminOperation<RolePolicyPath, AdminEmpty, AdminEmpty>(
        "DetachPolicyFromRole", .delete, "roles/{role}/policies/{policy}", action: "ram:DetachPolicyFromRole",
        resource: "role/{role}", status: 204, summary: "Detach a policy from a role")

    public static let listPolicies = AdminOperation<NoPathParameters, AdminEmpty, [AdminPolicy]>(
        "ListPolicies", .get, "policies", action: "ram:ListPolicies", resource: "policy/*", summary: "List policies")
    public static let createPolicy = AdminOperation<NoPathParameters, AdminCreatePolicy, AdminPolicy>(
        "CreatePolicy", .post, "policies", action: "ram:CreatePolicy", resource: "policy/{name}", status: 201,
        summary: "Create a policy (its grammar is checked)")
    public static let getPolicy = AdminOperation<PolicyPath, AdminEmpty, AdminPolicy>(
        "GetPolicy", .get, "policies/{policy}", action: "ram:GetPolicy", resource: "policy/{policy}",
        summary: "Get a policy")
    public static let deletePolicy = AdminOperation<PolicyPath, AdminEmpty, AdminEmpty>(
        "DeletePolicy", .delete, "policies/{policy}", action: "ram:DeletePolicy", resource: "policy/{policy}", status: 204,
        summary: "Delete a policy that is attached to nothing")

    public static let simulatePolicy = AdminOperation<NoPathParameters, AdminSimulate, AdminSimulation>(
        "SimulatePolicy", .post, "simulate", action: "ram:SimulatePolicy", resource: "*",
        summary: "Explain a decision: is the action on the resource allowed for the principal, and which statement decided?")
    public static let getServerStats = AdminOperation<NoPathParameters, AdminEmpty, AdminServerStats>(
        "GetServerStats", .get, "stats", action: "silo:GetServerStats", resource: "*", service: "silo",
        summary: "Requests in flight on the OSS listener, the peak and the total")
    public static let rotateTokenKey = AdminOperation<NoPathParameters, AdminEmpty, AdminTokenKey>(
        "RotateTokenKey", .post, "sts/keys", action: "sts:RotateTokenKey", resource: "*", service: "sts", status: 201,
        summary: "Sign new STS tokens with a new key; tokens already issued stay valid")

    public static let getBucketNotification = AdminOperation<BucketPath, AdminEmpty, AdminNotificationConfiguration>(
        "GetBucketNotification", .get, "buckets/{bucket}/notification", action: "oss:GetBucketNotification",
        resource: "{bucket}", service: "oss", summary: "A bucket's event notification rules")
    public static let putBucketNotification = AdminOperation<BucketPath, AdminNotificationConfiguration, AdminEmpty>(
        "PutBucketNotification", .put, "buckets/{bucket}/notification", action: "oss:PutBucketNotification",
        resource: "{bucket}", service: "oss", status: 204,
        summary: "Replace a bucket's event notification rules (none turns them off); webhooks obey the callback policy")
    public static let listDeadEvents = AdminOperation<BucketPath, AdminEmpty, [AdminEvent]>(
        "ListDeadEvents", .get, "buckets/{bucket}/events/dead", action: "oss:ListDeadEvents", resource: "{bucket}",
        service: "oss", summary: "Events of a bucket whose delivery was given up, oldest first (at most 1000)")
    public static let replayDeadEvents = AdminOperation<BucketPath, AdminEmpty, AdminReplayed>(
        "ReplayDeadEvents", .post, "buckets/{bucket}/events/dead/replay", action: "oss:ReplayDeadEvents",
        resource: "{bucket}", service: "oss", summary: "Deliver a bucket's dead events again, from the first attempt")

    public static let getBucketMediaNotification = AdminOperation<BucketPath, AdminEmpty, AdminMediaNotification>(
        "GetBucketMediaNotification", .get, "buckets/{bucket}/media-notification", action: "oss:GetBucketNotification",
        resource: "{bucket}", service: "oss",
        summary: "Where a bucket's media jobs announce their end, and whether their webhooks carry an HMAC (the key is never shown)")
    public static let putBucketMediaNotification = AdminOperation<BucketPath, AdminMediaNotification, AdminEmpty>(
        "PutBucketMediaNotification", .put, "buckets/{bucket}/media-notification", action: "oss:PutBucketNotification",
        resource: "{bucket}", service: "oss", status: 204,
        summary: "Replace a bucket's media job webhook settings: the endpoint for jobs naming no topic, and the HMAC key (16-256 bytes) every media job webhook of the bucket is signed with")
    public static let listMediaJobs = AdminOperation<BucketPath, AdminEmpty, [AdminMediaJob]>(
        "ListMediaJobs", .get, "buckets/{bucket}/media-jobs", action: "oss:ListMediaJobs", resource: "{bucket}",
        service: "oss", summary: "A bucket's asynchronous media jobs (x-oss-async-process), newest first (at most 1000)")
    public static let getMediaJob = AdminOperation<BucketJobPath, AdminEmpty, AdminMediaJob>(
        "GetMediaJob", .get, "buckets/{bucket}/media-jobs/{job}", action: "oss:GetMediaJob", resource: "{bucket}",
        service: "oss", summary: "One media job's state, progress, error, outputs and webhook deliveries")
    public static let cancelMediaJob = AdminOperation<BucketJobPath, AdminEmpty, AdminMediaJob>(
        "CancelMediaJob", .post, "buckets/{bucket}/media-jobs/{job}/cancel", action: "oss:CancelMediaJob",
        resource: "{bucket}", service: "oss",
        summary: "Cancel a job that has not ended; a running one stops at its next lease renewal and writes nothing more")

    /// Every operation, in the order the document lists them.
    public static let all: [AnyAdminOperation] = [
        listUsers.erased, createUser.erased, getUser.erased, deleteUser.erased,
        listAccessKeys.erased, createAccessKey.erased, updateAccessKey.erased, deleteAccessKey.erased,
        listPoliciesForUser.erased, attachPolicyToUser.erased, detachPolicyFromUser.erased,
        listRoles.erased, createRole.erased, getRole.erased, updateRole.erased, deleteRole.erased,
        listPoliciesForRole.erased, attachPolicyToRole.erased, detachPolicyFromRole.erased,
        listPolicies.erased, createPolicy.erased, getPolicy.erased, deletePolicy.erased,
        simulatePolicy.erased, getServerStats.erased, rotateTokenKey.erased,
        getBucketNotification.erased, putBucketNotification.erased, listDeadEvents.erased, replayDeadEvents.erased,
        getBucketMediaNotification.erased, putBucketMediaNotification.erased,
        listMediaJobs.erased, getMediaJob.erased, cancelMediaJob.erased,
    ]

    /// Where the API lives, relative to the OSS endpoint; the same path is the signed request's bucket and key.
    public static let basePath = "/-/admin/v1/"
}
