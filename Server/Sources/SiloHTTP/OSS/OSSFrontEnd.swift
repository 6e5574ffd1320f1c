import Foundation
import SiloAuditLog
import Hummingbird
import SiloCore
import SiloDomain
import SiloIAM
import SiloStorage

/// The OSS API front end: what its handlers need (the domain's services, the deployment's settings) and the
/// authentication every request passes. It parses, authorizes from the route table, calls the domain, renders.
public struct OSSFrontEnd: Sendable {
    public let settings: ServerSettings
    public let domain: Domain
    let authenticator: Authenticator
    public let requests: RequestGauge
    let adminHandlers: AdminHandlers
    /// One record per request when set (`silo server --audit-log`).
    public let auditLog: AuditLog?
    /// `/healthz` and `/readyz`, when set.
    public let readiness: Readiness?
    /// Request counters and timings, when set (`silo server --metrics-address`).
    public let metrics: OSSMetrics?

    public init(settings: ServerSettings, domain: Domain, auditLog: AuditLog? = nil, readiness: Readiness? = nil,
                metrics: OSSMetrics? = nil) {
        self.readiness = readiness
        self.metrics = metrics
        self.settings = settings
        self.domain = domain
        self.auditLog = auditLog
        self.authenticator = Authenticator(settings: settings, credentials: domain.iam)
        let requests = RequestGauge()
        self.requests = requests
        self.adminHandlers = AdminHandlers.make(iam: domain.iam, events: domain.events, mediaJobs: domain.mediaJobs,
                                                 mediaNotifications: domain.mediaNotifications) {
            let snapshot = requests.snapshot
            return AdminServerStats(inFlight: snapshot.inFlight, peak: snapshot.peak, served: snapshot.served)
        }
    }

    var access: AccessControl { domain.access }
    var metadata: any StorageMetadata { domain.objects.metadata }
}

extension OSSFrontEnd {
    /// A failure as the OSS API would answer it (status, code, message), for other front ends that show it in their
    /// own form (the console); nil for a fault that is not the caller's.
    public func describe(_ error: any Error) -> (status: Int, code: String, message: String)? {
        if let mapped = AdminErrors.map(error, requestId: "") {
            return (mapped.status, mapped.failure.code, mapped.failure.message)
        }
        return nil
    }

    /// An admin operation called in process as `caller`: the same authorization and handler as `/-/admin/v1/`.
    public func admin<Path, Body, Output>(_ operation: AdminOperation<Path, Body, Output>, path: Path, body: Body,
                                          caller: Caller) async throws -> Output {
        guard let handler = adminHandlers.handlers[operation.id] else {
            throw IAMError.internalFailure("no handler for \(operation.id)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Body.self == AdminEmpty.self ? [] : Array(try encoder.encode(body))
        let (_, json) = try await handler(path.values, { bytes }, caller, "console")
        if Output.self == AdminEmpty.self, let empty = AdminEmpty() as? Output { return empty }
        return try JSONDecoder().decode(Output.self, from: json ?? Data())
    }
}
