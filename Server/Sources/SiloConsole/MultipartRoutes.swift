import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloDomain
import SiloStorage

extension ConsoleFrontEnd {
    /// Files above this go in parts, with progress, when the bucket's CORS lets the console's pages PUT to storage.
    static let multipartThreshold: Int64 = 16 << 20
    static let minimumPartSize: Int64 = 8 << 20

    struct StartUpload: Decodable {
        let key: String
        let size: Int64
        let type: String?
    }

    struct CompleteUpload: Decodable {
        struct Part: Decodable {
            let partNumber: Int
            let etag: String
        }
        let key: String
        let uploadId: String
        let parts: [Part]
    }

    /// Large uploads from the browser: the console starts and completes the multipart upload as the signed-in key
    /// (same-origin JSON, CSRF token in a header), and hands the page a presigned PUT per part, which goes straight
    /// to storage; the page reads each part's ETag thanks to the bucket's CORS rule for this console.
    func addMultipartRoutes(to router: Router<ConsoleContext>) {
        router.post("/b/{bucket}/multipart/start") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let start: StartUpload = try await Self.json(request, session: session)
            try Names.validateObjectKey(start.key)
            guard start.size > 0, start.size <= Int64(10_000) * (5 << 30) else { throw ConsoleFailure.invalidInput("The file's size is out of range.") }
            try await domain.access.authorize(caller(session, context, request), action: "oss:PutObject", scope: .write,
                                              bucket: bucket, key: start.key)
            let upload = try await domain.objects.initiateUpload(
                bucket: bucket, key: start.key,
                attributes: ObjectAttributes(contentType: start.type?.isEmpty == false ? start.type : nil), forbidOverwrite: false)
            let partSize = max(Self.minimumPartSize, (start.size + 9_999) / 10_000)
            let count = Int((start.size + partSize - 1) / partSize)
            let signing = SigningKey(accessKeyId: session.accessKeyId, accessKeySecret: session.accessKeySecret)
            let urls = (1...count).map { number in
                presign(method: "PUT", bucket: bucket.name, key: start.key,
                        query: [("partNumber", String(number)), ("uploadId", upload.uploadId)], key: signing, expiresIn: 3600)
            }
            return try Self.jsonResponse(["uploadId": upload.uploadId, "partSize": partSize, "parts": urls])
        }

        router.post("/b/{bucket}/multipart/complete") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let complete: CompleteUpload = try await Self.json(request, session: session)
            try await domain.access.authorize(caller(session, context, request), action: "oss:PutObject", scope: .write,
                                              bucket: bucket, key: complete.key)
            let record = try await domain.objects.completeUpload(
                bucket: bucket, key: complete.key, uploadId: complete.uploadId,
                parts: complete.parts.map { CompletionPart(partNumber: $0.partNumber, etag: $0.etag) }, forbidOverwrite: false)
            return try Self.jsonResponse(["etag": record.etag, "size": record.size])
        }

        router.post("/b/{bucket}/multipart/abort") { request, context in
            let session = try self.session(request)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            let abort: CompleteUpload = try await Self.json(request, session: session)
            try await domain.access.authorize(caller(session, context, request), action: "oss:AbortMultipartUpload", scope: .write,
                                              bucket: bucket, key: abort.key)
            try await domain.objects.abortUpload(bucket: bucket.name, key: abort.key, uploadId: abort.uploadId)
            return try Self.jsonResponse(["aborted": true])
        }

        // One click adds the CORS rule large uploads need: this console's origin may PUT and read ETags.
        router.post("/b/{bucket}/settings/console-cors") { request, context in
            let session = try self.session(request)
            _ = try await ConsoleForm.read(request, csrf: session.csrf)
            let bucket = try await domain.buckets.require(try Self.bucketName(context))
            try await domain.access.authorize(caller(session, context, request), action: "oss:PutBucketCors", scope: .none, bucket: bucket)
            var cors = bucket.cors ?? CORSConfiguration(rules: [])
            cors.rules.append(Self.consoleCORSRule(origin: origin(of: request)))
            try cors.validate()
            try await domain.buckets.update(bucket.name, .cors(cors))
            return Self.redirect("/b/\(Self.encodePath(bucket.name))"
                                 + Self.query([("notice", "Large files now upload in parts, with progress.")]))
        }
    }

    static func consoleCORSRule(origin: String) -> CORSConfiguration.Rule {
        CORSConfiguration.Rule(allowedOrigins: [origin], allowedMethods: ["PUT"], allowedHeaders: ["*"],
                               exposeHeaders: ["ETag"], maxAgeSeconds: 600)
    }

    /// This console's origin as the browser sees it.
    func origin(of request: Request) -> String {
        (secureCookies ? "https://" : "http://") + (request.head.authority ?? "")
    }

    /// A same-origin JSON body (at most 64 KB), with the session's CSRF token in `x-csrf-token`.
    static func json<T: Decodable>(_ request: Request, session: ConsoleSessions.Session) async throws -> T {
        guard let token = request.headers[HTTPField.Name("x-csrf-token")!], ConsoleForm.constantTimeEquals(token, session.csrf) else {
            throw ConsoleFailure.csrf
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw ConsoleFailure.invalidInput("The request is not the expected JSON.")
        }
    }

    static func jsonResponse(_ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
