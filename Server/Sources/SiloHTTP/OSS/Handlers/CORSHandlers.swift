import Foundation
import HTTPTypes
import Hummingbird
import SiloCore

extension HTTPField.Name {
    static let accessControlRequestMethod = HTTPField.Name("Access-Control-Request-Method")!
    static let accessControlRequestHeaders = HTTPField.Name("Access-Control-Request-Headers")!
}

/// Bucket CORS (spec §9.10): preflight answers, which need no signature, and the headers actual cross-origin
/// requests receive.
enum CORSHandlers {
    static func preflight(_ request: OSSRequest, frontEnd oss: OSSFrontEnd) async throws -> Response {
        guard let origin = request.header(.origin) else {
            throw OSSError.badRequest("Insufficient information. Origin request header needed.")
        }
        guard let method = request.header(.accessControlRequestMethod) else {
            throw OSSError.badRequest("Insufficient information. Request Access-Control-Request-Method header needed.")
        }
        let requested = requestedHeaders(request)
        guard let name = request.bucket, let bucket = try await oss.domain.buckets.find(name), let cors = bucket.cors,
            let rule = cors.firstMatch(origin: origin, method: method, requestHeaders: requested)
        else { throw OSSError.corsForbidden }
        var fields = HTTPFields()
        fields[.accessControlAllowOrigin] = origin
        fields[.accessControlAllowMethods] = rule.allowedMethods.joined(separator: ", ")
        if !requested.isEmpty { fields[.accessControlAllowHeaders] = requested.joined(separator: ", ") }
        if !rule.exposeHeaders.isEmpty { fields[.accessControlExposeHeaders] = rule.exposeHeaders.joined(separator: ", ") }
        if let age = rule.maxAgeSeconds { fields[.accessControlMaxAge] = String(age) }
        if cors.responseVary { fields[.vary] = "Origin" }
        return Responses.empty(headers: fields)
    }

    static func requestedHeaders(_ request: OSSRequest) -> [String] {
        (request.header(.accessControlRequestHeaders) ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// Adds `Access-Control-*` to a response for a request that carries `Origin`, when a bucket rule admits it.
    static func apply(to response: inout Response, request: OSSRequest, frontEnd oss: OSSFrontEnd) async {
        guard let origin = request.header(.origin), let name = request.bucket,
            let bucket = try? await oss.domain.buckets.find(name), let cors = bucket.cors
        else { return }
        if cors.responseVary { response.headers[.vary] = "Origin" }
        guard let rule = cors.firstMatch(origin: origin, method: request.method.rawValue, requestHeaders: []) else { return }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowMethods] = rule.allowedMethods.joined(separator: ", ")
        if !rule.exposeHeaders.isEmpty {
            response.headers[.accessControlExposeHeaders] = rule.exposeHeaders.joined(separator: ", ")
        }
        if let age = rule.maxAgeSeconds { response.headers[.accessControlMaxAge] = String(age) }
    }
}
