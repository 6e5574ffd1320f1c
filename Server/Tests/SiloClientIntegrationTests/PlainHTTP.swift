import Foundation
import HTTPTypes
import SiloClient
import SiloClientAHC
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Unsigned requests (presigned URLs, anonymous access) over the SDK's own transport.
enum PlainHTTP {
    static func transport() -> AsyncHTTPClientTransport { AsyncHTTPClientTransport() }

    static func send(_ request: URLRequest, body: Data? = nil) async throws -> (Data, Int) {
        let transport = AsyncHTTPClientTransport()
        defer { Task { try? await transport.shutdown() } }
        let url = request.url!
        let authority = url.port.map { "\(url.host!):\($0)" } ?? url.host!
        var path = url.path.isEmpty ? "/" : url.path
        // Keep the query exactly as signed.
        if let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery { path += "?" + query }
        var head = HTTPRequest(method: HTTPRequest.Method(request.httpMethod ?? "GET")!, scheme: url.scheme!,
                               authority: authority, path: path)
        for (name, value) in request.allHTTPHeaderFields ?? [:] { head.headerFields[HTTPField.Name(name)!] = value }
        if let body { head.headerFields[.contentLength] = String(body.count) }
        let response = try await transport.send(TransportRequest(head: head, body: body.map { .data($0) } ?? .empty))
        return (try await response.body.collect(upTo: 64 << 20), response.head.status.code)
    }
}
