import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import SiloDomain
import SiloHTTP
import SiloIAM

/// Failures become pages, mapped once here: a denial shows the policy engine's explanation, a refusal the service's
/// code and message, anything else a plain "failed" without internals (logged with the details).
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = ConsoleContext
    let console: ConsoleFrontEnd

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = render(error, request: request, context: context)
        }
        // Counted by status class, for the same Prometheus endpoint as the API (--metrics-address).
        Counter(label: "silo_console_requests_total", dimensions: [("status", "\(response.status.code / 100)xx")]).increment()
        return response
    }

    func render(_ error: any Error, request: Request, context: Context) -> Response {
        let session = console.sessionToken(request).flatMap { console.sessions.session($0) }
        switch error {
        case ConsoleFailure.signInRequired:
            return ConsoleFrontEnd.redirect("/signin")
        case ConsoleFailure.csrf:
            return console.page("Refused", "failure", [
                "message": "This form was not sent by a page of this console (its CSRF token is missing or stale). Reload the page and try again.",
                "code": "InvalidCSRFToken",
            ], session: session, status: .forbidden)
        case ConsoleFailure.wrongCredentials:
            return console.page("Sign in", "failure", ["message": "Wrong AccessKey ID or secret."], session: nil, status: .unauthorized)
        case ConsoleFailure.invalidInput(let message):
            return console.page("Not done", "failure", ["message": message, "code": "InvalidArgument"], session: session,
                                status: .badRequest)
        case ConsoleFailure.notFound(let message):
            return console.page("Not found", "failure", ["message": message], session: session, status: .notFound)
        case let denied as AccessDenied:
            let explanation: String = switch denied.reason {
            case .acl: "Only the bucket's or the object's ACL could allow this, and it does not."
            case .policy(let text): text
            }
            return console.page("Access denied", "denied", ["action": denied.action, "resource": denied.resource,
                                                             "explanation": explanation], session: session, status: .forbidden)
        case let error as HTTPError where error.status == .notFound:
            return console.page("Not found", "failure", ["message": "The console has no such page."], session: session,
                                status: .notFound)
        case IAMError.noPermission(let explanation):
            return console.page("Access denied", "denied", ["explanation": explanation], session: session, status: .forbidden)
        default:
            if let failure = console.oss.describe(error) {
                let status = HTTPResponse.Status(code: failure.status)
                if failure.code == "AccessDenied" {
                    return console.page("Access denied", "denied", ["explanation": failure.message], session: session,
                                        status: .forbidden)
                }
                return console.page("Not done", "failure", ["message": failure.message, "code": failure.code], session: session,
                                    status: status)
            }
            context.logger.error("console request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return console.page("Failed", "failure", ["message": "The server failed to do this; the failure is logged."],
                                session: session, status: .internalServerError)
        }
    }
}
