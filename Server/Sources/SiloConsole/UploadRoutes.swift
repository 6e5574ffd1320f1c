import Foundation
import Hummingbird
import SiloAppServer
import SiloCore

extension ConsoleFrontEnd {
    /// The application server's upload catalog (who uploaded what, when, how big), newest first, searchable by user.
    /// A row shows only when the signed-in key may list its bucket.
    func addUploadRoutes(to router: Router<ConsoleContext>) {
        router.get("/uploads") { request, context in
            let session = try self.session(request)
            let caller = self.caller(session, context, request)
            let user = request.uri.queryParameters.get("user").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
            guard let catalog = try catalog() else {
                return page("Uploads", "uploads", ["user": user ?? "", "disabled": true], session: session)
            }
            let found = try await catalog.recent(user: user, limit: 200)
            var allowed: [String: Bool] = [:]
            var rows: [[String: Any]] = []
            for (upload, renditions) in found {
                if allowed[upload.bucket] == nil {
                    var may = false
                    if let bucket = try await domain.buckets.find(upload.bucket) {
                        may = (try? await domain.access.authorize(caller, action: "oss:ListObjects", scope: .read, bucket: bucket)) != nil
                    }
                    allowed[upload.bucket] = may
                }
                guard allowed[upload.bucket] == true else { continue }
                rows.append([
                    "user": upload.uid, "key": upload.key, "size": Self.size(upload.size), "when": Self.time(upload.uploadedAt),
                    "image": upload.width.map { "\($0)×\(upload.height ?? 0)" } ?? "",
                    "href": "/b/\(Self.encodePath(upload.bucket))/o" + Self.query([("key", upload.key)]),
                    "bucket": upload.bucket, "renditions": renditions,
                ])
            }
            return page("Uploads", "uploads", ["user": user ?? "", "uploads": rows], session: session)
        }
    }

    /// The catalog, opened read-only at its first use; nil when the console has none configured.
    func catalog() throws -> UploadCatalog? {
        guard let path = appCatalogPath else { return nil }
        if let open = appCatalog.withLockedValue({ $0 }) { return open }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConsoleFailure.notFound("The app server's catalog (\(path)) does not exist yet: start the app server.")
        }
        let catalog = UploadCatalog(database: try AppDatabase(readOnlyPath: path))
        appCatalog.withLockedValue { $0 = catalog }
        return catalog
    }
}
