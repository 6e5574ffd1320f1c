import Foundation
import SiloCore

extension Bucket {
    /// Replaces the bucket's CORS rules (`PutBucketCors`): which web pages may call storage from a browser.
    public func setCORS(_ configuration: CORSConfiguration) async throws {
        var query = QueryParameters()
        query.append("cors")
        var request = ClientRequest(method: .put, bucket: name, query: query, body: .data(Data(configuration.xmlBytes())))
        request.setHeader("Content-Type", "application/xml")
        _ = try await client.sendForData(request)
    }
}
