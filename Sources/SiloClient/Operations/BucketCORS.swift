import Foundation
import SiloCore

/// One rule of a bucket's cross-origin resource sharing, as `PutBucketCors` takes it.
public struct CORSRule: Sendable, Hashable {
    public var allowedOrigins: [String]
    public var allowedMethods: [String]
    public var allowedHeaders: [String]
    public var exposeHeaders: [String]
    public var maxAgeSeconds: Int?

    public init(allowedOrigins: [String], allowedMethods: [String], allowedHeaders: [String] = [],
                exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }
}

extension Bucket {
    /// Replaces the bucket's CORS rules (`PutBucketCors`): which web pages may call storage from a browser.
    public func setCORS(_ rules: [CORSRule]) async throws {
        let writer = XMLWriter()
        writer.element("CORSConfiguration") {
            for rule in rules {
                writer.element("CORSRule") {
                    for origin in rule.allowedOrigins { writer.element("AllowedOrigin", origin) }
                    for method in rule.allowedMethods { writer.element("AllowedMethod", method) }
                    for header in rule.allowedHeaders { writer.element("AllowedHeader", header) }
                    for header in rule.exposeHeaders { writer.element("ExposeHeader", header) }
                    if let age = rule.maxAgeSeconds { writer.element("MaxAgeSeconds", age) }
                }
            }
        }
        var query = QueryParameters()
        query.append("cors")
        var request = ClientRequest(method: .put, bucket: name, query: query, body: .data(Data(writer.bytes)))
        request.setHeader("Content-Type", "application/xml")
        _ = try await client.sendForData(request)
    }
}
