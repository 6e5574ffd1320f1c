import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON answers, and the one error shape every endpoint shares.
enum JSONResponses {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, noStore: Bool = false) -> Response {
        make(json: (try? encoder.encode(value)) ?? Data("{}".utf8), status: status, noStore: noStore)
    }

    /// A document already written (by hand, on a hot path).
    static func make(json: some Sequence<UInt8>, status: HTTPResponse.Status = .ok, noStore: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if noStore { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    struct ErrorBody: Encodable {
        let StatusCode: Int
        let ErrorCode: String
        let ErrorMessage: String
    }

    /// `httpStatus` differs from the document's `StatusCode` only where the mobile SDKs need HTTP 200.
    static func error(_ error: AppServerError, httpStatus: Int? = nil) -> Response {
        var response = make(ErrorBody(StatusCode: error.status, ErrorCode: error.code, ErrorMessage: error.message),
                            status: .init(code: httpStatus ?? error.status), noStore: true)
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if error.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// Turns any failure into the JSON error document; nothing escapes as a bare 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as AppFailure {
            return JSONResponses.error(AppErrors.document(failure))
        } catch let error as AppServerError {
            return JSONResponses.error(error)
        } catch is NIOTooManyBytesError {
            return JSONResponses.error(AppServerError(status: 413, code: "EntityTooLarge", message: "The request body is too large."))
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "NotFound" : error.status == .contentTooLarge ? "EntityTooLarge" : "BadRequest"
            return JSONResponses.error(AppServerError(status: error.status.code, code: code,
                                                      message: error.body ?? error.status.reasonPhrase))
        } catch {
            context.logger.error("unexpected failure: \(error)")
            return JSONResponses.error(AppServerError(status: 500, code: "InternalError", message: "The app server failed."))
        }
    }
}
