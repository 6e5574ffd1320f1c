/// A step between the operation and the transport. The client runs, from the outside in:
/// retry → your middlewares → sign → checksum → log → transport. Retry is outermost so that each attempt is
/// signed anew, with fresh credentials and the skew-corrected clock.
public protocol ClientMiddleware: Sendable {
    func handle(_ request: ClientRequest,
                next: @Sendable (ClientRequest) async throws -> TransportResponse) async throws -> TransportResponse
}

typealias Handler = @Sendable (ClientRequest) async throws -> TransportResponse

extension Array where Element == any ClientMiddleware {
    /// Folds the middlewares around `terminal`, the first element outermost.
    func chain(to terminal: @escaping Handler) -> Handler {
        reversed().reduce(terminal) { next, middleware in
            { request in try await middleware.handle(request, next: next) }
        }
    }
}
