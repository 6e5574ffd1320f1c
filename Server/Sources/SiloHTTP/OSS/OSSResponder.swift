import SiloAuditLog
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SiloCore
import SiloDomain
import SiloStorage

/// The OSS API's single responder: parse, authenticate, route, authorize (from the route's table entry), call
/// the handler, and render every failure once as OSS error XML.
public struct OSSResponder: HTTPResponder {
    public typealias Context = SiloRequestContext
    public let frontEnd: OSSFrontEnd

    public init(frontEnd: OSSFrontEnd) {
        self.frontEnd = frontEnd
    }

    public func respond(to request: Request, context: SiloRequestContext) async throws -> Response {
        let requestId = RequestIdentifier.make()
        frontEnd.requests.enter()
        var ossRequest: OSSRequest?
        var response: Response
        var errorCode: String?
        let bodyReads = BodyReadTracker()
        let inMemoryBody = InMemoryBody()
        // The facts a request gathers on its way (operation, caller) feed the audit log and the metrics.
        let audit = frontEnd.auditLog != nil || frontEnd.metrics != nil ? RequestAudit() : nil
        do {
            let parsed = try OSSRequest.parse(request, settings: frontEnd.settings, requestId: requestId)
            ossRequest = parsed
            if let audit {
                response = try await AuthorizationTrail.$current.withValue(audit.trail) {
                    try await handle(parsed, body: bodyReads.wrap(request.body), context: context, audit: audit,
                                     inMemoryBody: inMemoryBody)
                }
            } else {
                response = try await handle(parsed, body: bodyReads.wrap(request.body), context: context, audit: nil,
                                            inMemoryBody: inMemoryBody)
            }
        } catch {
            // Every error answer is rendered whole.
            inMemoryBody.mark()
            if let metrics = frontEnd.metrics, let reason = OSSMetrics.denialReason(error) { metrics.denied(reason: reason) }
            if let mapped = OSSErrors.map(error) {
                errorCode = mapped.code
                response = Responses.error(mapped, request: ossRequest, requestId: requestId, isHead: request.method == .head)
            } else {
                errorCode = "InternalError"
                context.logger.error("request failed", metadata: [
                    "request_id": "\(requestId)", "method": "\(request.method)", "path": "\(request.head.path ?? "")",
                    "error": "\(error)",
                ])
                response = Responses.error(.internalError, request: ossRequest, requestId: requestId,
                                           isHead: request.method == .head)
            }
        }
        if response.status.code >= 300 { await bodyReads.drainIfUnread(request.body, head: request.head) }
        if let ossRequest, ossRequest.header(.origin) != nil, request.method != .options {
            await CORSHandlers.apply(to: &response, request: ossRequest, frontEnd: frontEnd)
        }
        response.headers[.ossRequestId] = requestId
        if request.headers[.connection]?.lowercased() == "close" { response.headers[.connection] = "close" }
        let clientIp = context.remoteAddress?.ipAddress
        if inMemoryBody.isMarked {
            // Nothing is left to stream: the bookkeeping after the body is done now and the body left as built.
            if let audit, let log = frontEnd.auditLog {
                log.record(auditRecord(response, audit: audit, request: request, parsed: ossRequest, requestId: requestId,
                                       clientIp: clientIp, errorCode: errorCode, headReady: ContinuousClock.now))
            }
            if let audit, let metrics = frontEnd.metrics {
                finishMetrics(response, audit: audit, metrics: metrics, request: request, parsed: ossRequest,
                              counted: Int64(response.body.contentLength ?? 0))
            }
            frontEnd.requests.leave()
            return response
        }
        if let audit, let log = frontEnd.auditLog {
            response = auditing(response, audit: audit, log: log, request: request, parsed: ossRequest,
                                requestId: requestId, clientIp: clientIp, errorCode: errorCode)
        }
        if let audit, let metrics = frontEnd.metrics {
            response = measuring(response, audit: audit, metrics: metrics, request: request, parsed: ossRequest)
        }
        return frontEnd.requests.tracking(response)
    }

    /// Writes the request's audit record once its body has been written (or failed to be).
    func auditing(_ response: Response, audit: RequestAudit, log: AuditLog, request: Request, parsed: OSSRequest?,
                  requestId: String, clientIp: String?, errorCode: String?) -> Response {
        var audited = response
        let body = response.body
        let headReady = ContinuousClock.now
        audited.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer {
                log.record(auditRecord(response, audit: audit, request: request, parsed: parsed, requestId: requestId,
                                       clientIp: clientIp, errorCode: errorCode, headReady: headReady))
            }
            try await body.write(writer)
        }
        return audited
    }

    func auditRecord(_ response: Response, audit: RequestAudit, request: Request, parsed: OSSRequest?, requestId: String,
                     clientIp: String?, errorCode: String?, headReady: ContinuousClock.Instant) -> AuditRecord {
        audit.record(request: request, parsed: parsed, requestId: requestId, clientIp: clientIp,
                     status: Int(response.status.code), errorCode: errorCode,
                     contentLengthOut: response.headers[.contentLength].flatMap { Int64($0) }, headReady: headReady,
                     account: frontEnd.settings.accountId)
    }

    /// Counts the request once its body has been written: operation, status, signature, duration and bytes.
    func measuring(_ response: Response, audit: RequestAudit, metrics: OSSMetrics, request: Request,
                   parsed: OSSRequest?) -> Response {
        var measured = response
        let body = response.body
        measured.body = ResponseBody(contentLength: body.contentLength) { writer in
            let counted = NIOLockedValueBox<Int64>(0)
            defer {
                finishMetrics(response, audit: audit, metrics: metrics, request: request, parsed: parsed,
                              counted: counted.withLockedValue { $0 })
            }
            try await body.write(CountingWriter(base: writer, counted: counted))
        }
        return measured
    }

    /// `counted`: the bytes that passed, for a body that declared no length.
    func finishMetrics(_ response: Response, audit: RequestAudit, metrics: OSSMetrics, request: Request,
                       parsed: OSSRequest?, counted: Int64) {
        let bytesIn = request.headers[.contentLength].flatMap { Int64($0) } ?? 0
        // The declared length, not what passes here: sendfile bodies pass as small markers. Chunked bodies (gzip)
        // declare none and are counted as they are written.
        let declared: Int64? = request.method == .head ? 0 : response.headers[.contentLength].flatMap { Int64($0) }
        let facts = audit.facts.withLockedValue { $0 }
        let elapsed = ContinuousClock.now - audit.started
        let signature = parsed.map { RequestAudit.signature(of: $0, operation: facts.operation, caller: facts.caller) }
        metrics.finished(operation: facts.operation ?? "Unroutable", status: Int(response.status.code),
                         signature: signature?.version ?? (signature?.type == "PostSign" ? "post" : "none"),
                         seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                         bytesIn: bytesIn, bytesOut: declared ?? counted)
    }

    func handle(_ request: OSSRequest, body: RequestBody, context: SiloRequestContext, audit: RequestAudit?,
                inMemoryBody: InMemoryBody) async throws -> Response
    {
        if let readiness = frontEnd.readiness, let bucket = request.bucket, Readiness.paths.contains(bucket),
           request.key == nil, request.method == .get || request.method == .head,
           let answer = await readiness.respond(path: bucket, isHead: request.isHead) {
            // Reserved names: no bucket has them, so this is never a bucket's request.
            audit?.update { $0.operation = "Probe" }
            return answer
        }
        if request.method == .options { return try await CORSHandlers.preflight(request, frontEnd: frontEnd) }
        if request.method == .get || request.method == .head, request.bucket == "-",
            request.key.map({ "-/" + $0 }) == CallbackDelivery.publicKeyPath {
            // Anyone verifying a callback must be able to fetch the key, so this needs no signature.
            return ServiceHandlers.callbackPublicKey(frontEnd)
        }
        let principal = try await frontEnd.authenticator.authenticate(request)
        let caller = Caller(principal: principal, sourceIP: context.remoteAddress?.ipAddress,
                            userAgent: request.header(.userAgent))
        audit?.update { $0.caller = caller }
        if request.bucket == "-" {
            return try await AdminFrontEnd(frontEnd: frontEnd).respond(request, body: body, caller: caller)
        }
        switch OSSRoutes.resolve(request) {
        case .unsupported(let feature): throw OSSError.unsupported(feature)
        case .methodNotAllowed: throw OSSError.methodNotAllowed
        case .route(let route):
            audit?.update { $0.operation = route.operation }
            let call = try await authorize(route, request, caller: caller, body: body, context: context,
                                           inMemoryBody: inMemoryBody)
            if let size = call.object?.size { audit?.update { $0.objectSize = size } }
            return try await route.handler(frontEnd, call)
        }
    }

    /// Central authorization: every route's action on its target, before its handler runs. What it loads (the
    /// bucket, the object whose ACL counts) goes to the handler, so nothing is read twice.
    func authorize(_ route: OSSRoute, _ request: OSSRequest, caller: Caller, body: RequestBody,
                   context: SiloRequestContext, inMemoryBody: InMemoryBody) async throws -> OSSCall {
        let access = frontEnd.access
        func call(_ bucket: BucketRecord?, _ key: String?, _ object: ObjectRecord?, versionId: String? = nil,
                  missing: StorageError? = nil) -> OSSCall {
            OSSCall(request: request, caller: caller, route: route, bucket: bucket, key: key, object: object,
                    versionId: versionId, missing: missing, body: body, context: context, inMemoryBody: inMemoryBody)
        }
        switch route.target {
        case .service:
            try await access.authorize(caller, action: route.action, scope: route.scope, bucket: nil)
            return call(nil, nil, nil)
        case .newBucket:
            let name = request.bucket ?? ""
            try Names.validateBucketName(name)
            let proposed = frontEnd.domain.buckets.proposed(name)
            try await access.authorize(caller, action: route.action, scope: route.scope, bucket: proposed)
            return call(proposed, nil, nil)
        case .bucket:
            let bucket = try await requireBucket(request)
            switch route.authorization {
            case .central, .centralWithObject:
                try await access.authorize(caller, action: route.action, scope: route.scope, bucket: bucket,
                                           values: route.conditionValues(request))
            case .perKeyInBody:
                try await access.requireMayAttempt(caller, action: route.action, scope: route.scope, bucket: bucket)
            case .formCredentials:
                break
            }
            return call(bucket, nil, nil)
        case .object:
            let bucket = try await requireBucket(request)
            // Hotlink protection guards what a link can reach: anonymous requests and presigned URLs.
            if let referer = bucket.referer, caller.isAnonymous || request.isPresigned,
               !referer.allows(referer: request.header("Referer")) {
                throw OSSError.deniedByReferer
            }
            guard let key = request.key else { throw OSSError.invalidObjectName() }
            try Names.validateObjectKey(key)
            // A malformed versionId is refused once the caller is authorized, so every refusal says AccessDenied first.
            let namedVersion = Result { () throws(OSSError) in try request.versionId() }
            var object: ObjectRecord?
            var missing: StorageError?
            let reads = route.scope == .read || request.method == .get || request.method == .head
            if route.authorization == .centralWithObject, reads || caller.isAnonymous {
                // Authorized before existence is revealed: an anonymous caller learns nothing about a private
                // bucket's keys, but the object's own ACL may grant more than the bucket's.
                if case .success(let versionId) = namedVersion {
                    do {
                        object = try await frontEnd.domain.objects.version(bucket: bucket.name, key: key, versionId: versionId,
                                                                           versioned: bucket.versioning != nil)
                    } catch let error as StorageError {
                        missing = error
                    }
                }
            }
            let values = route.conditionValues(request)
            try await access.authorize(caller, action: route.action, scope: route.scope, bucket: bucket, key: key,
                                       object: object, values: values)
            for extra in route.headerActions where request.header(extra.header) != nil {
                try await access.authorize(caller, action: extra.action, scope: .none, bucket: bucket, key: key, object: object,
                                           values: values)
            }
            return call(bucket, key, object, versionId: try namedVersion.get(), missing: missing)
        }
    }

    /// The bucket the request addresses, or NoSuchBucket (InvalidBucketName for a name no bucket can have).
    func requireBucket(_ request: OSSRequest) async throws -> BucketRecord {
        guard let name = request.bucket else { throw OSSError.noSuchBucket("") }
        guard let bucket = try await frontEnd.domain.buckets.find(name) else {
            if !Names.isValidBucketName(name) { throw OSSError.invalidBucketName(name) }
            throw OSSError.noSuchBucket(name)
        }
        return bucket
    }
}
