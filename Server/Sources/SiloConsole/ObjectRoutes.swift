import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloDomain
import SiloStorage

extension ConsoleFrontEnd {
    static let defaultPageSize = 100
    static let maximumPageSize = 1000
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "heic", "avif"]
    /// Upload forms stay valid this long; large single files go in one PostObject up to this size.
    static let uploadFormSeconds: Int64 = 3600
    static let uploadMaximumBytes: Int64 = 5 << 30

    func addObjectRoutes(to router: Router<ConsoleContext>) {
        router.get("/b/{bucket}") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            try await domain.access.authorize(caller(session, context, request), action: "oss:ListObjects", scope: .read, bucket: bucket)
            let parameters = request.uri.queryParameters
            let prefix = parameters.get("prefix").map { String($0) } ?? ""
            let marker = parameters.get("marker").map { String($0) }
            let descending = parameters.get("order") == "desc"
            let limit = min(max(parameters.get("limit").flatMap { Int($0) } ?? Self.defaultPageSize, 1), Self.maximumPageSize)
            let listing = try await domain.objects.metadata.listObjects(ListQuery(
                bucket: bucket.name, prefix: prefix, delimiter: "/", after: marker?.isEmpty == false ? marker : nil, limit: limit,
                descending: descending))
            var data = try browsePage(bucket: bucket, prefix: prefix, listing: listing, descending: descending, limit: limit,
                                      session: session)
            let rule = bucket.cors?.firstMatch(origin: origin(of: request), method: "PUT", requestHeaders: [])
            data["multipart"] = rule?.exposeHeaders.contains { $0.lowercased() == "etag" } == true ? "yes" : "no"
            data["needsCORS"] = data["multipart"] as? String == "no"
            data["threshold"] = String(Self.multipartThreshold)
            return page(bucket.name, "bucket", data, session: session, notice: Self.notice(request))
        }

        router.get("/b/{bucket}/o") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let key = try Self.objectKey(request)
            let caller = self.caller(session, context, request)
            guard let object = try await readableObject(bucket, key: key, caller: caller) else { throw ConsoleFailure.notFound("\(bucket.name) has no object \(key).") }
            let signing = SigningKey(accessKeyId: session.accessKeyId, accessKeySecret: session.accessKeySecret)
            var data: [String: Any] = [
                "key": key, "bucketURL": Self.encodePath(bucket.name), "size": Self.size(object.size), "bytes": String(object.size),
                "contentType": object.contentType, "etag": object.etag, "crc64": String(object.crc64),
                "acl": object.acl.rawValue, "storageClass": object.storageClass.rawValue, "modified": Self.time(object.lastModified),
                "metadata": object.userMetadata.map { ["name": $0.name, "value": $0.value] },
                "crumbs": Self.crumbs(bucket: bucket.name, prefix: String(key[..<(key.lastIndex(of: "/").map { key.index(after: $0) } ?? key.startIndex)])),
                "download": presign(bucket: bucket.name, key: key, query: [("response-content-disposition", "attachment")],
                                    key: signing, expiresIn: 900),
            ]
            if Self.isImage(key) {
                data["preview"] = presign(bucket: bucket.name, key: key, query: [("x-oss-process", "image/resize,m_lfit,w_480,h_480")],
                                          key: signing, expiresIn: 900)
                if (try? await domain.access.authorize(caller, action: "oss:ListStyle", scope: .none, bucket: bucket)) != nil {
                    let styles = try await domain.images.styles(bucket: bucket.name)
                    data["hasStyles"] = !styles.isEmpty
                    data["styles"] = styles.map { style -> [String: Any] in
                        ["name": style.name, "content": style.content,
                         "url": presign(bucket: bucket.name, key: key, query: [("x-oss-process", "style/" + style.name)],
                                        key: signing, expiresIn: 3600)]
                    }
                }
            }
            return page(key, "object", data, session: session, notice: Self.notice(request))
        }

        // What the upload script asks after each PostObject (storage's answer to a cross-origin form is opaque).
        router.get("/b/{bucket}/stat") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let object = try await readableObject(bucket, key: try Self.objectKey(request), caller: caller(session, context, request))
            let json = try JSONSerialization.data(withJSONObject: ["exists": object != nil, "size": object?.size ?? 0])
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(data: json)))
        }

        // A share link signed with the signed-in access key (which outlives it), for the expiry chosen.
        router.post("/b/{bucket}/share") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let key = try form.required("key", label: "The object's name")
            guard let expires = Int64(form["expires"] ?? ""), [3600, 86400, 604_800].contains(expires) else {
                throw ConsoleFailure.invalidInput("Choose how long the link is valid.")
            }
            _ = try await readableObject(bucket, key: key, caller: caller(session, context, request))
            let url = presign(bucket: bucket.name, key: key, query: [],
                              key: SigningKey(accessKeyId: session.accessKeyId, accessKeySecret: session.accessKeySecret),
                              expiresIn: expires)
            return page("Share link", "share", [
                "key": key, "url": url, "until": Self.time(now + expires), "accessKeyId": session.accessKeyId,
                "back": "/b/\(Self.encodePath(bucket.name))/o" + Self.query([("key", key)]),
            ], session: session)
        }

        router.post("/b/{bucket}/delete-object") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            guard form.isConfirmed else { throw ConsoleFailure.invalidInput("Tick the box to confirm the deletion.") }
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let key = try form.required("key", label: "The object's name")
            _ = try await domain.workflows.delete([(key: key, versionId: nil)], in: bucket, caller: caller(session, context, request))
            let folder = String(key[..<(key.lastIndex(of: "/").map { key.index(after: $0) } ?? key.startIndex)])
            return Self.redirect("/b/\(Self.encodePath(bucket.name))" + Self.query([("prefix", folder), ("notice", "Deleted \(key).")]))
        }

        router.post("/b/{bucket}/delete-prefix") { request, context in
            let session = try self.session(request)
            let form = try await ConsoleForm.read(request, csrf: session.csrf)
            guard form.isConfirmed else { throw ConsoleFailure.invalidInput("Tick the box to confirm the deletion.") }
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let prefix = try form.required("prefix", label: "The folder")
            let deleted = try await domain.workflows.deletePrefix(prefix, in: bucket, caller: caller(session, context, request))
            let parent = Self.parent(of: prefix)
            return Self.redirect("/b/\(Self.encodePath(bucket.name))"
                                 + Self.query([("prefix", parent), ("notice", "Deleted \(deleted) objects under \(prefix).")]))
        }
    }

    /// The object as the API would let the caller read it: `oss:GetObject`, judged against its own ACL. Nil when
    /// no such object exists (and reading it would be allowed).
    func readableObject(_ bucket: BucketRecord, key: String, caller: Caller) async throws -> ObjectRecord? {
        let object = try await domain.objects.metadata.object(bucket: bucket.name, key: key)
        try await domain.access.authorize(caller, action: "oss:GetObject", scope: .read, bucket: bucket, key: key, object: object)
        return object
    }

    static func objectKey(_ request: Request) throws -> String {
        guard let key = request.uri.queryParameters.get("key").map({ String($0) }), !key.isEmpty else {
            throw ConsoleFailure.notFound("Name an object.")
        }
        return key
    }

    func browsePage(bucket: BucketRecord, prefix: String, listing: ObjectListing, descending: Bool, limit: Int,
                    session: ConsoleSessions.Session) throws -> [String: Any] {
        let name = Self.encodePath(bucket.name)
        let signing = SigningKey(accessKeyId: session.accessKeyId, accessKeySecret: session.accessKeySecret)
        var folders: [[String: Any]] = []
        var objects: [[String: Any]] = []
        for entry in listing.entries {
            switch entry {
            case .commonPrefix(let folder):
                folders.append(["label": String(folder.dropFirst(prefix.count)),
                                "href": "/b/\(name)" + Self.query([("prefix", folder)])])
            case .object(let summary):
                var row: [String: Any] = [
                    "label": String(summary.key.dropFirst(prefix.count)), "size": Self.size(summary.size),
                    "modified": Self.time(summary.lastModified), "href": "/b/\(name)/o" + Self.query([("key", summary.key)]),
                ]
                if Self.isImage(summary.key) {
                    row["thumbnail"] = presign(bucket: bucket.name, key: summary.key,
                                               query: [("x-oss-process", "image/resize,m_fill,w_96,h_96")], key: signing, expiresIn: 3600)
                }
                objects.append(row)
            }
        }
        var data: [String: Any] = [
            "bucketName": bucket.name, "bucketURL": name, "prefix": prefix, "folders": folders, "objects": objects,
            "crumbs": Self.crumbs(bucket: bucket.name, prefix: prefix),
            "sortLabel": descending ? "A to Z" : "Z to A",
            "sortHref": "/b/\(name)" + Self.query([("prefix", prefix), ("order", descending ? "asc" : "desc")]),
            "uploadURL": storageBase + "/" + bucket.name,
            "uploadFields": try uploadFields(bucket: bucket.name, prefix: prefix, key: signing),
        ]
        if listing.isTruncated, let last = listing.entries.last?.sortKey {
            var items = [("prefix", prefix), ("marker", last)]
            if descending { items.append(("order", "desc")) }
            if limit != Self.defaultPageSize { items.append(("limit", String(limit))) }
            data["next"] = "/b/\(name)" + Self.query(items)
        }
        return data
    }

    /// PostObject fields for uploads into `prefix`, signed (V4) with the signed-in key: storage authorizes each
    /// upload as that key, so the form grants nothing its policies do not.
    func uploadFields(bucket: String, prefix: String, key: SigningKey) throws -> String {
        let timestamp = Timestamps.isoBasic(unixSeconds: now)
        let scope = SignatureV4.Scope(date: String(timestamp.prefix(8)), region: oss.settings.region)
        var fields = [
            "x-oss-signature-version": SignatureV4.algorithm,
            "x-oss-credential": "\(key.accessKeyId)/\(scope.string)",
            "x-oss-date": timestamp,
            "success_action_status": "200",
        ]
        var conditions: [PostPolicy.Condition] = [.equals(field: "bucket", value: bucket)]
        for name in fields.keys.sorted() { conditions.append(.equals(field: name, value: fields[name]!)) }
        conditions += [.startsWith(field: "key", prefix: prefix), .contentLengthRange(min: 0, max: Self.uploadMaximumBytes)]
        let policy = PostPolicy(expiration: now + Self.uploadFormSeconds, conditions: conditions).base64
        fields["policy"] = policy
        fields["x-oss-signature"] = PostPolicy.signatureV4(policy: policy, secret: key.accessKeySecret, scope: scope)
        let json = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return String(decoding: json, as: UTF8.self)
    }

    /// A presigned request (V4) for the browser: thumbnails, downloads, share links, parts of large uploads.
    func presign(method: String = "GET", bucket: String, key: String, query: [(String, String)], key signing: SigningKey,
                 expiresIn: Int64) -> String {
        var parameters = QueryParameters()
        for (name, value) in query { parameters.append(name, value) }
        let request = SigningRequest(method: method, bucket: bucket, key: key, query: parameters)
        let added = RequestSigner.presign(request, key: signing, version: .v4, region: oss.settings.region, now: now,
                                          expiresIn: expiresIn)
        for item in added { parameters.append(item.name, item.value) }
        return storageBase + "/" + bucket + "/" + PercentEncoding.encode(key, keepSlash: true) + "?" + parameters.encoded
    }

    static func isImage(_ key: String) -> Bool {
        guard let dot = key.lastIndex(of: ".") else { return false }
        return imageExtensions.contains(key[key.index(after: dot)...].lowercased())
    }

    static func parent(of prefix: String) -> String {
        var trimmed = prefix
        if trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return String(trimmed[...slash])
    }

    /// The bucket, then each folder of `prefix`, as links.
    static func crumbs(bucket: String, prefix: String) -> [[String: String]] {
        var crumbs = [["label": bucket, "href": "/b/\(encodePath(bucket))"]]
        var path = ""
        for part in prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
            path += part + "/"
            crumbs.append(["label": String(part), "href": "/b/\(encodePath(bucket))" + query([("prefix", path)])])
        }
        return crumbs
    }
}
