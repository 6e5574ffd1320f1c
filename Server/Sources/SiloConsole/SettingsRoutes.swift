import Foundation
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

extension ConsoleFrontEnd {
    static let maxDocumentBytes = 16 * 1024

    /// A bucket's ACL, CORS rules, bucket policy and image styles, each checked as the API checks it.
    func addSettingsRoutes(to router: Router<ConsoleContext>) {
        router.get("/b/{bucket}/settings") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let caller = self.caller(session, context, request)
            func may(_ action: String) async -> Bool {
                (try? await domain.access.authorize(caller, action: action, scope: .none, bucket: bucket)) != nil
            }
            var data: [String: Any] = ["bucketName": bucket.name, "bucketURL": Self.encodePath(bucket.name)]
            if await may("oss:GetBucketAcl") {
                data["canACL"] = true
                data["acls"] = BucketACL.allCases.map { ["value": $0.rawValue, "selected": $0 == bucket.acl] }
            }
            if await may("oss:GetBucketCors") {
                data["cors"] = bucket.cors.map { String(decoding: $0.xmlBytes(), as: UTF8.self) }
                    ?? "<CORSConfiguration><CORSRule><AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
            }
            if await may("oss:GetBucketPolicy") { data["policy"] = bucket.policy ?? "" }
            if await may("oss:ListStyle") {
                data["styles"] = try await domain.images.styles(bucket: bucket.name).map {
                    ["name": $0.name, "content": $0.content, "bucketURL": Self.encodePath(bucket.name)]
                }
            }
            return page("\(bucket.name) settings", "settings", data, session: session, notice: Self.notice(request))
        }

        router.post("/b/{bucket}/settings/{part}") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let caller = self.caller(session, context, request)
            func authorize(_ action: String) async throws {
                try await domain.access.authorize(caller, action: action, scope: .none, bucket: bucket)
            }
            let notice: String
            switch context.parameters.get("part") {
            case "acl":
                guard let acl = BucketACL(rawValue: form["acl"] ?? "") else { throw ConsoleFailure.invalidInput("Choose an ACL.") }
                try await authorize("oss:PutBucketAcl")
                try await domain.buckets.update(bucket.name, .acl(acl))
                notice = "The ACL is \(acl.rawValue)."
            case "cors":
                let text = form["cors"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                try await authorize(text.isEmpty ? "oss:DeleteBucketCors" : "oss:PutBucketCors")
                if text.isEmpty {
                    try await domain.buckets.update(bucket.name, .cors(nil))
                    notice = "CORS is off."
                } else {
                    guard text.utf8.count <= Self.maxDocumentBytes else { throw ConsoleFailure.invalidInput("The CORS rules are over 16 KB.") }
                    let cors = try XMLBody.decode(CORSConfiguration.self, from: Array(text.utf8), root: "CORSConfiguration")
                    try await domain.buckets.setCORS(bucket.name, cors)
                    notice = "Saved \(cors.rules.count) CORS rule\(cors.rules.count == 1 ? "" : "s")."
                }
            case "policy":
                let text = form["policy"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                try await authorize(text.isEmpty ? "oss:DeleteBucketPolicy" : "oss:PutBucketPolicy")
                if text.isEmpty {
                    try await domain.buckets.update(bucket.name, .policy(nil))
                    notice = "The bucket policy is removed."
                } else {
                    guard text.utf8.count <= Self.maxDocumentBytes else { throw ConsoleFailure.invalidInput("The policy is over 16 KB.") }
                    try await domain.buckets.setPolicy(bucket.name, document: Array(text.utf8))
                    notice = "Saved the bucket policy."
                }
            case "style":
                let name = try form.required("name", label: "The style's name")
                guard ProcessRequest.isStyleName(name) else {
                    throw ConsoleFailure.invalidInput("A style name is 1 to 63 letters, digits, '_', '.' or '-'.")
                }
                let content = try form.required("content", label: "The style's process")
                // A style must be an image pipeline that parses, as it would be used.
                guard case .image = try ProcessRequest.parse(content) else {
                    throw ConsoleFailure.invalidInput("A style is an image/… process.")
                }
                try await authorize("oss:PutStyle")
                try await domain.images.putStyle(bucket: bucket.name, name: name, content: content)
                notice = "Saved the style \(name)."
            case "delete-style":
                let name = try form.required("name", label: "The style's name")
                try await authorize("oss:DeleteStyle")
                try await domain.images.deleteStyle(bucket: bucket.name, name: name)
                notice = "Deleted the style \(name)."
            default:
                throw ConsoleFailure.notFound("No such setting.")
            }
            return Self.redirect("/b/\(Self.encodePath(bucket.name))/settings" + Self.query([("notice", notice)]))
        }
    }
}
