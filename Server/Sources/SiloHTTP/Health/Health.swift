import Foundation
import Hummingbird
import SiloStorage

/// `/healthz` (the process answers) and `/readyz` (it can serve: metadata and blob store reachable, disk space above
/// a floor) on every listener, for load balancers and orchestrators. Unauthenticated, so they say nothing but
/// whether each check passed: no versions, paths or error texts. The names are reserved: no bucket can take them.
public struct Readiness: Sendable {
    public static let paths = ["healthz", "readyz"]

    let metadata: any ObjectStore
    let blobs: any BlobStore
    /// The folder whose free space counts (the data folder); nil skips the check (remote blobs only).
    let dataDirectory: String?
    let minimumFreeBytes: Int64

    public init(metadata: any ObjectStore, blobs: any BlobStore, dataDirectory: String?, minimumFreeBytes: Int64) {
        self.metadata = metadata
        self.blobs = blobs
        self.dataDirectory = dataDirectory
        self.minimumFreeBytes = minimumFreeBytes
    }

    public struct Report: Sendable {
        public var checks: [(name: String, ok: Bool)]
        public var ready: Bool { checks.allSatisfy(\.ok) }
    }

    /// Each check in turn, each bounded by the backends' own timeouts.
    public func check() async -> Report {
        var checks: [(String, Bool)] = []
        do {
            _ = try await metadata.listBuckets(prefix: "", after: "", limit: 1)
            checks.append(("metadata", true))
        } catch {
            checks.append(("metadata", false))
        }
        do {
            try await blobs.checkReachable()
            checks.append(("blobs", true))
        } catch {
            checks.append(("blobs", false))
        }
        if let dataDirectory {
            checks.append(("disk", Self.freeBytes(dataDirectory).map { $0 >= minimumFreeBytes } ?? false))
        }
        return Report(checks: checks)
    }

    static func freeBytes(_ path: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// The answer to `/healthz` or `/readyz` (nil for any other path).
    public func respond(path: String, isHead: Bool) async -> Response? {
        switch path {
        case "healthz":
            return Self.json(status: .ok, "{\"status\":\"alive\"}", isHead: isHead)
        case "readyz":
            let report = await check()
            let checks = report.checks.map { "\"\($0.name)\":\"\($0.ok ? "ok" : "failing")\"" }.joined(separator: ",")
            return Self.json(status: report.ready ? .ok : .serviceUnavailable,
                             "{\"status\":\"\(report.ready ? "ready" : "not ready")\",\"checks\":{\(checks)}}", isHead: isHead)
        default:
            return nil
        }
    }

    /// `healthz` or `readyz` when the request is a bare GET or HEAD of `/healthz` or `/readyz`.
    public static func probePath(_ request: Request) -> String? {
        guard request.method == .get || request.method == .head, let target = request.head.path else { return nil }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard path.hasPrefix("/") else { return nil }
        let name = String(path.dropFirst())
        return paths.contains(name) ? name : nil
    }

    static func json(status: HTTPResponse.Status, _ text: String, isHead: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(text.utf8.count)
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: isHead ? .init() : .init(byteBuffer: ByteBuffer(string: text)))
    }
}
