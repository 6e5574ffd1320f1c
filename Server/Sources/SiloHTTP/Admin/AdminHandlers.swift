import Foundation
import SiloCore
import SiloDomain
import SiloIAM
import SiloPolicy
import SiloStorage

/// One handler per `AdminAPI` operation. The routing, the authorization (the operation's action on its
/// resource) and the rendering are derived from the operation; a handler only calls IAM.
struct AdminHandlers: Sendable {
    /// `readBody` reads the bounded body; it is called only once the caller is known to be allowed, or (when
    /// the body names the resource) once some policy of the caller's could allow the action.
    typealias Erased = @Sendable (_ path: [String: String], _ readBody: @Sendable () async throws -> [UInt8], _ caller: Caller,
                                  _ requestId: String) async throws -> (status: Int, json: Data?)

    private(set) var handlers: [String: Erased] = [:]
    let iam: IAMService
    let maxBodyBytes: Int

    /// Registers the handler of `operation`.
    mutating func on<Path, Body, Output>(_ operation: AdminOperation<Path, Body, Output>,
                                         _ run: @escaping @Sendable (Path, Body, Caller) async throws -> Output) {
        let iam = self.iam
        handlers[operation.id] = { values, readBody, caller, requestId in
            guard let path = Path(values) else { throw IAMError.missingParameter(AdminPathTemplate.parameters(operation.path).joined(separator: ", ")) }
            let conditionValues = caller.sourceIP.map { ["acs:SourceIp": [$0]] } ?? [:]
            func authorize(_ resource: String) async throws {
                let decision = try await iam.decide(caller.principal, action: operation.action, resource: resource,
                                                    values: conditionValues)
                guard decision.allowed else { throw IAMError.noPermission(decision.description) }
            }
            func decodeBody() async throws -> Body {
                if Body.self == AdminEmpty.self, let empty = AdminEmpty() as? Body { return empty }
                let bytes = try await readBody()
                do {
                    return try JSONDecoder().decode(Body.self, from: Data(bytes))
                } catch {
                    throw IAMError.invalidParameter(name: "Body", message: "The request body is not the expected JSON: \(error)")
                }
            }
            let body: Body
            if let resource = operation.resourceARN(account: iam.accountId, path: path) {
                try await authorize(resource)
                body = try await decodeBody()
            } else {
                try await Self.requireMayAttempt(caller, action: operation.action, iam: iam)
                body = try await decodeBody()
                try await authorize(operation.resourceARN(account: iam.accountId, path: path, body: body))
            }
            let output = try await run(path, body, caller)
            guard Output.self != AdminEmpty.self else { return (operation.status, nil) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (operation.status, try encoder.encode(output))
        }
    }

    /// Refuses, before the body is read, a caller none of whose policies could allow `action` on any resource:
    /// an over-approximation (conditions and resources are not checked) for operations whose body names the
    /// resource. The full decision follows once the body is decoded.
    static func requireMayAttempt(_ caller: Caller, action: String, iam: IAMService) async throws {
        if case .root = caller.principal { return }
        let identity = caller.principal.identity(account: iam.accountId)
        let sessionMayAllow = try await iam.sessionPolicy(for: caller.principal)
            .map { $0.policy.mayAllow(action, principal: identity, asResourcePolicy: false) } ?? true
        let identityMayAllow = try await iam.identityPolicies(for: caller.principal)
            .contains { $0.policy.mayAllow(action, principal: identity, asResourcePolicy: false) }
        guard sessionMayAllow && identityMayAllow else {
            throw IAMError.noPermission("No policy of the caller's could allow \(action).")
        }
    }

    /// Operations of `AdminAPI` that have no handler: a test keeps this empty.
    var missing: [String] { AdminAPI.all.map(\.id).filter { handlers[$0] == nil } }

    static func make(iam: IAMService, events: EventService, mediaJobs: MediaJobService,
                     mediaNotifications: MediaNotificationService,
                     stats: @escaping @Sendable () -> AdminServerStats) -> AdminHandlers {
        var table = AdminHandlers(iam: iam, maxBodyBytes: 64 * 1024)
        let account = iam.accountId

        table.on(AdminAPI.listUsers) { _, _, _ in try await iam.listUsers().map(Self.user) }
        table.on(AdminAPI.createUser) { _, body, _ in
            Self.user(try await iam.createUser(name: body.name, displayName: body.displayName))
        }
        table.on(AdminAPI.getUser) { path, _, _ in Self.user(try await iam.user(path.user)) }
        table.on(AdminAPI.deleteUser) { path, _, _ in
            try await iam.deleteUser(path.user)
            return AdminEmpty()
        }

        table.on(AdminAPI.listAccessKeys) { path, _, _ in try await iam.accessKeys(user: path.user).map { Self.key($0) } }
        table.on(AdminAPI.createAccessKey) { path, _, _ in
            let (record, secret) = try await iam.createAccessKey(user: path.user)
            return Self.key(record, secret: secret)
        }
        table.on(AdminAPI.updateAccessKey) { path, body, _ in
            guard let status = AccessKeyStatus(rawValue: body.status) else {
                throw IAMError.invalidParameter("Status", "Status is Active or Inactive.")
            }
            try await iam.setAccessKeyStatus(user: path.user, accessKeyId: path.accessKeyId, status: status)
            return AdminEmpty()
        }
        table.on(AdminAPI.deleteAccessKey) { path, _, _ in
            try await iam.deleteAccessKey(user: path.user, accessKeyId: path.accessKeyId)
            return AdminEmpty()
        }

        table.on(AdminAPI.listPoliciesForUser) { path, _, _ in
            _ = try await iam.user(path.user)
            return AdminNames(names: try await iam.attachedPolicies(.user(path.user)))
        }
        table.on(AdminAPI.attachPolicyToUser) { path, _, _ in
            try await iam.attach(policy: path.policy, to: .user(path.user))
            return AdminEmpty()
        }
        table.on(AdminAPI.detachPolicyFromUser) { path, _, _ in
            try await iam.detach(policy: path.policy, from: .user(path.user))
            return AdminEmpty()
        }

        table.on(AdminAPI.listRoles) { _, _, _ in try await iam.listRoles().map { Self.role($0, iam: iam) } }
        table.on(AdminAPI.createRole) { _, body, _ in
            let trust = body.trustPolicy
                ?? #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::\#(account):root"]}}]}"#
            return Self.role(try await iam.createRole(name: body.name, trustPolicy: trust,
                                                      maxSessionDuration: body.maxSessionDuration,
                                                      description: body.description), iam: iam)
        }
        table.on(AdminAPI.getRole) { path, _, _ in Self.role(try await iam.role(path.role), iam: iam) }
        table.on(AdminAPI.updateRole) { path, body, _ in
            Self.role(try await iam.updateRole(name: path.role, trustPolicy: body.trustPolicy,
                                               maxSessionDuration: body.maxSessionDuration, description: body.description),
                      iam: iam)
        }
        table.on(AdminAPI.deleteRole) { path, _, _ in
            try await iam.deleteRole(path.role)
            return AdminEmpty()
        }
        table.on(AdminAPI.listPoliciesForRole) { path, _, _ in
            _ = try await iam.role(path.role)
            return AdminNames(names: try await iam.attachedPolicies(.role(path.role)))
        }
        table.on(AdminAPI.attachPolicyToRole) { path, _, _ in
            try await iam.attach(policy: path.policy, to: .role(path.role))
            return AdminEmpty()
        }
        table.on(AdminAPI.detachPolicyFromRole) { path, _, _ in
            try await iam.detach(policy: path.policy, from: .role(path.role))
            return AdminEmpty()
        }

        table.on(AdminAPI.listPolicies) { _, _, _ in try await iam.listPolicies().map(Self.policy) }
        table.on(AdminAPI.createPolicy) { _, body, _ in
            Self.policy(try await iam.createPolicy(name: body.name, document: body.document, description: body.description))
        }
        table.on(AdminAPI.getPolicy) { path, _, _ in Self.policy(try await iam.policy(path.policy)) }
        table.on(AdminAPI.deletePolicy) { path, _, _ in
            try await iam.deletePolicy(path.policy)
            return AdminEmpty()
        }

        table.on(AdminAPI.simulatePolicy) { _, body, _ in
            Self.simulation(try await iam.simulate(
                principal: body.principal, action: body.action, resource: body.resource, context: body.context ?? [:],
                sessionPolicy: body.sessionPolicy, bucketPolicy: body.bucketPolicy))
        }
        table.on(AdminAPI.getServerStats) { _, _, _ in stats() }
        table.on(AdminAPI.rotateTokenKey) { _, _, _ in AdminTokenKey(keyId: try await iam.rotateTokenKey()) }

        table.on(AdminAPI.getBucketNotification) { path, _, _ in
            AdminNotificationConfiguration(rules: try await events.configuration(bucket: path.bucket).rules.map {
                AdminNotificationRule(id: $0.id, events: $0.events, prefix: $0.prefix, suffix: $0.suffix, endpoint: $0.endpoint)
            })
        }
        table.on(AdminAPI.putBucketNotification) { path, body, _ in
            try await events.setConfiguration(NotificationConfiguration(rules: body.rules.map {
                NotificationRule(id: $0.id, events: $0.events, prefix: $0.prefix, suffix: $0.suffix, endpoint: $0.endpoint)
            }), bucket: path.bucket)
            return AdminEmpty()
        }
        table.on(AdminAPI.getBucketMediaNotification) { path, _, _ in
            let settings = try await mediaNotifications.settings(bucket: path.bucket)
            return AdminMediaNotification(endpoint: settings.endpoint, hasSecret: settings.hasSecret)
        }
        table.on(AdminAPI.putBucketMediaNotification) { path, body, _ in
            try await mediaNotifications.set(bucket: path.bucket, endpoint: body.endpoint, secret: body.secret)
            return AdminEmpty()
        }
        table.on(AdminAPI.listDeadEvents) { path, _, _ in
            try await events.deadEvents(bucket: path.bucket, limit: 1000).map(Self.event)
        }
        table.on(AdminAPI.replayDeadEvents) { path, _, _ in
            AdminReplayed(replayed: try await events.replayDeadEvents(bucket: path.bucket))
        }
        table.on(AdminAPI.listMediaJobs) { path, _, _ in
            try await mediaJobs.jobs(bucket: path.bucket, state: nil, limit: 1000).map(Self.mediaJob)
        }
        table.on(AdminAPI.getMediaJob) { path, _, _ in
            Self.mediaJob(try await mediaJobs.job(id: path.job, bucket: path.bucket))
        }
        table.on(AdminAPI.cancelMediaJob) { path, _, _ in
            Self.mediaJob(try await mediaJobs.cancel(id: path.job, bucket: path.bucket))
        }
        return table
    }

    static func mediaJob(_ job: MediaJob) -> AdminMediaJob {
        let status = MediaJobStatus(job)
        return AdminMediaJob(taskId: job.id, state: status.state, bucket: job.bucket, key: job.key, process: status.process,
                             progress: job.progress, attempts: job.attempts, error: job.error, outputs: job.outputs,
                             outputBucket: status.outputBucket, requester: job.requester, createdAt: iso(job.createdAt),
                             updatedAt: iso(job.updatedAt), notifyState: job.notifyState.rawValue,
                             notifyURL: job.request.notifyURL, notifyLog: job.notifyLog)
    }

    static func event(_ stored: StoredEvent) -> AdminEvent {
        AdminEvent(sequence: stored.sequence, bucket: stored.event.bucket, key: stored.event.key,
                   ruleId: stored.event.ruleId, endpoint: stored.event.endpoint, eventName: stored.event.name,
                   eTag: stored.event.etag, size: stored.event.size, eventTime: iso(stored.event.time),
                   attempts: stored.attempts, lastError: stored.lastError)
    }

    static func iso(_ seconds: Int64) -> String { Timestamps.iso8601NoFraction(unixSeconds: seconds) }

    static func user(_ record: UserRecord) -> AdminUser {
        AdminUser(name: record.name, id: record.id, displayName: record.displayName, createdAt: iso(record.createdAt))
    }

    static func key(_ record: AccessKeyRecord, secret: String? = nil) -> AdminAccessKey {
        AdminAccessKey(accessKeyId: record.accessKeyId, userName: record.userName, status: record.status.rawValue,
                       createdAt: iso(record.createdAt), accessKeySecret: secret)
    }

    static func role(_ role: RoleRecord, iam: IAMService) -> AdminRole {
        AdminRole(name: role.name, id: role.id, arn: iam.roleArn(role.name), trustPolicy: role.trustPolicy,
                  maxSessionDuration: role.maxSessionDuration, description: role.description, createdAt: iso(role.createdAt))
    }

    static func policy(_ record: PolicyRecord) -> AdminPolicy {
        AdminPolicy(name: record.name, document: record.document, description: record.description,
                    createdAt: iso(record.createdAt))
    }

    static func simulation(_ decision: Decision) -> AdminSimulation {
        var decidedBy: AdminSimulation.DecidedBy?
        switch decision.reason {
        case .allowedBy(let reference), .deniedBy(let reference):
            decidedBy = AdminSimulation.DecidedBy(policy: reference.policy, statement: reference.index, sid: reference.sid,
                                                  effect: reference.effect.rawValue)
        default:
            decidedBy = nil
        }
        return AdminSimulation(allowed: decision.allowed, decision: decision.description, decidedBy: decidedBy)
    }
}
