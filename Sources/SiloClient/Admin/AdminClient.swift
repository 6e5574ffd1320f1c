import Foundation
import HTTPTypes
import SiloCore

/// The admin API through the SDK: each call names an `AdminAPI` operation, so paths, methods, bodies and
/// answers are the ones the server routes by. Requests go through the client's middleware chain (signing,
/// retry for idempotent calls, the transport), and failures are `OSSClientError.server` with the server's
/// code, message and request id.
///
/// ```swift
/// let admin = AdminClient(client)
/// let user = try await admin.call(AdminAPI.createUser, body: AdminCreateUser(name: "app-server"))
/// let key = try await admin.call(AdminAPI.createAccessKey, path: UserPath(user: user.name))
/// ```
public struct AdminClient: Sendable {
    public let client: OSSClient

    public init(_ client: OSSClient) {
        self.client = client
    }

    /// Calls `operation` with its path parameters and body; answers its output document.
    public func call<Path, Body, Output>(_ operation: AdminOperation<Path, Body, Output>, path: Path, body: Body)
        async throws -> Output
    {
        var request = ClientRequest(
            method: HTTPRequest.Method(rawValue: operation.method.rawValue) ?? .get, bucket: "-",
            key: String(AdminAPI.basePath.dropFirst(3)) + AdminPathTemplate.fill(operation.path, path.values),
            idempotent: operation.method != .post)
        if Body.self != AdminEmpty.self {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            request.body = .data(try encoder.encode(body))
            request.headers[.contentType] = "application/json"
        }
        let (_, data) = try await client.sendForData(request, limit: 16 << 20)
        if Output.self == AdminEmpty.self, let empty = AdminEmpty() as? Output { return empty }
        do {
            return try JSONDecoder().decode(Output.self, from: data)
        } catch {
            throw OSSClientError.invalidResponse("cannot parse the \(operation.id) answer: \(error)")
        }
    }

    public func call<Path, Output>(_ operation: AdminOperation<Path, AdminEmpty, Output>, path: Path) async throws -> Output {
        try await call(operation, path: path, body: AdminEmpty())
    }

    public func call<Body, Output>(_ operation: AdminOperation<NoPathParameters, Body, Output>, body: Body) async throws
        -> Output
    {
        try await call(operation, path: NoPathParameters(), body: body)
    }

    public func call<Output>(_ operation: AdminOperation<NoPathParameters, AdminEmpty, Output>) async throws -> Output {
        try await call(operation, path: NoPathParameters(), body: AdminEmpty())
    }
}
