import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SiloCore
import SiloDomain
import SiloIAM

/// The admin API front end: JSON at `/-/admin/v1/...` on the OSS listener (`-` can never be a bucket name).
/// Requests are signed like OSS requests and routed, authorized and rendered from `AdminAPI` alone.
struct AdminFrontEnd {
    let frontEnd: OSSFrontEnd

    static let prefix = "admin/v1/"
    /// Generated once from `AdminAPI`.
    static let openAPIDocument = AdminOpenAPI.json()

    func respond(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        do {
            guard let key = request.key, key.hasPrefix(Self.prefix) else {
                throw IAMError.notExist("Resource", request.key ?? "/")
            }
            let segments = key.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if request.method == .get && segments == ["openapi.json"] {
                var buffer = ByteBuffer()
                buffer.writeString(Self.openAPIDocument)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
            }
            guard !caller.isAnonymous else {
                throw IAMError.noPermission("The admin API requires a signed request.")
            }
            guard let method = AdminMethod(rawValue: request.method.rawValue),
                let (operation, values) = AdminAPI.all.lazy.compactMap({ operation in
                    operation.match(method, segments).map { (operation, $0) }
                }).first
            else {
                throw AdminRoutingError.notFound(method: request.method.rawValue, path: segments.joined(separator: "/"))
            }
            guard let handler = frontEnd.adminHandlers.handlers[operation.id] else {
                throw AdminRoutingError.notFound(method: request.method.rawValue, path: segments.joined(separator: "/"))
            }
            let limit = frontEnd.adminHandlers.maxBodyBytes
            let (status, json) = try await handler(values, {
                try await Bodies.collect(body, limit: limit, tooLarge: .invalidArgument("The body is too large."))
            }, caller, request.requestId)
            guard let json else { return Responses.empty(HTTPResponse.Status(code: status)) }
            var buffer = ByteBuffer()
            buffer.writeBytes(json)
            return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: buffer))
        } catch let error as AdminRoutingError {
            return Self.failure(404, AdminFailure(code: "InvalidAction.NotFound", message: error.message,
                                                  requestId: request.requestId))
        } catch {
            guard let (status, failure) = AdminErrors.map(error, requestId: request.requestId) else { throw error }
            return Self.failure(status, failure)
        }
    }

    static func failure(_ status: Int, _ failure: AdminFailure) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var buffer = ByteBuffer()
        buffer.writeBytes((try? encoder.encode(failure)) ?? Data("{}".utf8))
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: buffer))
    }
}

enum AdminRoutingError: Error {
    case notFound(method: String, path: String)

    var message: String {
        switch self {
        case .notFound(let method, let path): return "No admin operation \(method) /-/admin/v1/\(path)."
        }
    }
}
