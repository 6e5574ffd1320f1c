import Foundation
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

extension ConsoleFrontEnd {
    static let bucketsPerPage = 1000

    func addBucketRoutes(to router: Router<ConsoleContext>) {
        router.get("/buckets") { request, context in
            let session = try self.session(request)
            let caller = self.caller(session, context, request)
            try await domain.access.authorize(caller, action: "oss:ListBuckets", scope: .none, bucket: nil)
            let (buckets, _) = try await domain.buckets.list(prefix: "", after: "", limit: Self.bucketsPerPage)
            var rows: [[String: Any]] = []
            for bucket in buckets {
                var row: [String: Any] = ["name": bucket.name, "urlName": Self.encodePath(bucket.name),
                                          "created": Self.time(bucket.createdAt), "objects": "—", "used": "—"]
                // Usage is shown where the caller may read it (GetBucketStat), as the API would answer.
                if (try? await domain.access.authorize(caller, action: "oss:GetBucketStat", scope: .none, bucket: bucket)) != nil {
                    let statistics = try await domain.buckets.statistics(bucket.name).objects
                    row["objects"] = String(statistics.objectCount)
                    row["used"] = Self.size(statistics.totalSize)
                }
                rows.append(row)
            }
            return page("Buckets", "buckets", ["buckets": rows], session: session, notice: Self.notice(request))
        }

        router.post("/buckets") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let name = try form.required("name", label: "The bucket's name")
            try Names.validateBucketName(name)
            let acl = BucketACL(rawValue: form["acl"] ?? "private") ?? .private
            try await domain.access.authorize(caller(session, context, request), action: "oss:PutBucket", scope: .none,
                                              bucket: domain.buckets.proposed(name))
            try await domain.buckets.create(name, acl: acl, storageClass: .standard)
            return Self.redirect("/buckets" + Self.query([("notice", "Created the bucket \(name).")]))
        }

        router.post("/b/{bucket}/delete") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            guard form.isConfirmed else { throw ConsoleFailure.invalidInput("Tick the box to confirm the deletion.") }
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            try await domain.access.authorize(caller(session, context, request), action: "oss:DeleteBucket", scope: .none, bucket: bucket)
            try await domain.buckets.delete(bucket.name)
            return Self.redirect("/buckets" + Self.query([("notice", "Deleted the bucket \(bucket.name).")]))
        }
    }

    static func bucketName(_ context: ConsoleContext) throws -> String {
        guard let name = context.parameters.get("bucket"), Names.isValidBucketName(name) else {
            throw ConsoleFailure.notFound("No such bucket.")
        }
        return name
    }
}
