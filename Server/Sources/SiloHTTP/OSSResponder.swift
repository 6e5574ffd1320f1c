import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiloCore

/// The OSS API's single responder: parse, authenticate, route, handle, and render every failure as OSS error XML.
public struct OSSResponder: HTTPResponder {
    public typealias Context = SiloRequestContext
    public let service: OSSService

    public init(service: OSSService) {
        self.service = service
    }

    public func respond(to request: Request, context: SiloRequestContext) async throws -> Response {
        let requestId = RequestIdentifier.make()
        service.requests.enter()
        var ossRequest: OSSRequest?
        var response: Response
        let bodyReads = BodyReadTracker()
        do {
            let parsed = try OSSRequest.parse(request, settings: service.settings, requestId: requestId)
            ossRequest = parsed
            response = try await handle(parsed, body: bodyReads.wrap(request.body), context: context)
        } catch let error as OSSError {
            response = Responses.error(error, request: ossRequest, requestId: requestId, isHead: request.method == .head)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = Responses.error(.entityTooLarge, request: ossRequest, requestId: requestId, isHead: request.method == .head)
        } catch {
            context.logger.error("request failed", metadata: [
                "request_id": "\(requestId)", "method": "\(request.method)", "path": "\(request.head.path ?? "")",
                "error": "\(error)",
            ])
            response = Responses.error(.internalError, request: ossRequest, requestId: requestId, isHead: request.method == .head)
        }
        if response.status.code >= 300 { await bodyReads.drainIfUnread(request.body, head: request.head) }
        if let ossRequest, ossRequest.header(.origin) != nil, request.method != .options {
            await service.applyCORS(to: &response, request: ossRequest)
        }
        response.headers[.ossRequestId] = requestId
        if request.headers[.connection]?.lowercased() == "close" { response.headers[.connection] = "close" }
        return service.requests.tracking(response)
    }

    func handle(_ request: OSSRequest, body: RequestBody, context: SiloRequestContext) async throws -> Response {
        if request.method == .options { return try await service.preflight(request) }
        if request.method == .get || request.method == .head, request.bucket == "-",
            request.key.map({ "-/" + $0 }) == OSSService.callbackPublicKeyPath {
            // Anyone verifying a callback must be able to fetch the key, so this needs no signature.
            return service.callbackPublicKey()
        }
        let principal = try await service.authenticator.authenticate(request)
        let caller = Caller(principal: principal, sourceIP: context.remoteAddress?.ipAddress,
                            userAgent: request.header(.userAgent), accessKeyId: principal.accessKeyId)
        if request.bucket == "-" {
            return try await service.admin(request, body: body, principal: principal, caller: caller)
        }
        let route = Route.resolve(request)
        return try await service.dispatch(route, request, body: body, caller: caller, context: context)
    }

}
