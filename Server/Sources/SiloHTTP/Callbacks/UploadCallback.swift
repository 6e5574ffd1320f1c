import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SiloCore
import SiloIAM
import SiloOutbound
import SiloStorage

/// An upload's callback: parsed from the request before anything is stored, delivered after the commit.
struct UploadCallback: Sendable {
    let configuration: CallbackConfiguration
    let variables: [String: String]

    static let maxAnswerBytes = 1 << 20

    /// From `x-oss-callback`/`x-oss-callback-var` or, in presigned URLs, `callback`/`callback-var`; nil when
    /// absent. Refuses both forms at once, malformed parameters, and targets the callback policy forbids.
    static func parse(_ request: OSSRequest, settings: CallbackSettings) async throws -> UploadCallback? {
        let header = request.header("x-oss-callback")
        let query = request.query["callback"]
        if header != nil && query != nil {
            throw OSSError.invalidArgument(
                "Either the callback query string parameter or the x-oss-callback header should be specified, not both.",
                name: "callback")
        }
        let headerVariables = request.header("x-oss-callback-var")
        let queryVariables = request.query["callback-var"]
        if headerVariables != nil && queryVariables != nil {
            throw OSSError.invalidArgument(
                "Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both.",
                name: "callback-var")
        }
        guard let encoded = header ?? query, !encoded.isEmpty else { return nil }
        guard settings.signer != nil else { throw OSSError.unsupported("upload callback (no callback key configured)") }
        let configuration = try CallbackConfiguration(base64: encoded)
        let variables = try (headerVariables ?? queryVariables).map { try CallbackConfiguration.variables(base64: $0) } ?? [:]
        for url in configuration.urls { try await settings.check(url) }
        return UploadCallback(configuration: configuration, variables: variables)
    }

    /// The system variables of spec §13.3 plus the custom ones.
    func values(record: ObjectRecord, operation: String, request: OSSRequest, caller: Caller,
                image: ImageHeader?) -> [String: CallbackValue] {
        var values: [String: CallbackValue] = [
            "bucket": .text(record.bucket), "object": .text(record.key), "etag": .text(record.etag),
            "size": .number(record.size), "mimeType": .text(record.contentType), "crc64": .text(String(record.crc64)),
            "contentMd5": .text(operation == "CompleteMultipartUpload" ? "" : (record.contentMD5 ?? "")),
            "vpcId": .text(""), "clientIp": .text(caller.sourceIP ?? ""), "reqId": .text(request.requestId),
            "operation": .text(operation),
            // Empty for objects that are not images, as OSS sends them.
            "imageInfo.height": image.map { .number(Int64($0.height)) } ?? .text(""),
            "imageInfo.width": image.map { .number(Int64($0.width)) } ?? .text(""),
            "imageInfo.format": .text(image?.format ?? ""),
        ]
        for (name, value) in variables { values[name] = .text(value) }
        return values
    }

    enum Outcome: Sendable {
        case answered(body: ByteBuffer)
        case failed(String)
    }

    /// POSTs the signed callback to each URL in turn until one answers 200 with a JSON body. Every connection
    /// goes through `settings.client`: the target policy is checked on the addresses actually connected to,
    /// and a redirect is an answer like any other (a failure), never followed.
    func deliver(body: String, facts: CallbackFacts, settings: CallbackSettings, publicKeyURL: String) async -> Outcome {
        guard let signer = settings.signer else { return .failed("Callback key missing.") }
        var lastFailure = "Error status : -1.OSS can not connect to your callbackUrl, please check it."
        for url in configuration.urls {
            guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { continue }
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            let stringToSign = CallbackStringToSign.make(path: path, rawQuery: components.percentEncodedQuery, body: body)
            var headers = HTTPHeaders()
            do {
                let attestation = try CallbackAttestation.headers(for: facts, stringToSign: stringToSign, signer: signer)
                headers.add(name: "authorization", value: try signer.sign(stringToSign))
                headers.add(name: CallbackAttestation.factsHeader, value: attestation.facts)
                headers.add(name: CallbackAttestation.signatureHeader, value: attestation.signature)
            } catch {
                return .failed("Signing the callback failed.")
            }
            let defaultHost = url.port.map { "\(url.host ?? ""):\($0)" } ?? (url.host ?? "")
            headers.add(name: "Host", value: configuration.host ?? defaultHost)
            headers.add(name: "Content-Type", value: configuration.bodyType.rawValue)
            headers.add(name: "User-Agent", value: "silo-callback/1")
            headers.add(name: "x-oss-pub-key-url", value: Data(publicKeyURL.utf8).base64EncodedString())
            let request = OutboundRequest(
                url: url, method: .POST, headers: headers, body: ByteBuffer(string: body),
                tlsServerName: configuration.sni ? configuration.host.map { OSSRequest.hostName($0) } : nil)
            do {
                let response = try await settings.client.execute(request, timeout: settings.timeout,
                                                                  maxResponseBytes: Self.maxAnswerBytes)
                guard response.status == .ok else {
                    lastFailure = "Error status : \(response.status.code)."
                    continue
                }
                guard response.headers.first(name: "Content-Length") != nil else {
                    lastFailure = "Error Status : 200.User server missing content-length."
                    continue
                }
                guard (try? JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])) != nil
                else {
                    lastFailure = "Response body is not valid json format."
                    continue
                }
                return .answered(body: response.body)
            } catch .refused {
                lastFailure = "Error status : -1.The callbackUrl is not allowed by the server's callback policy."
            } catch .responseTooLarge {
                lastFailure = "Error status : -1.The callback answer is larger than 1 MB."
            } catch {
                lastFailure = "Error status : -1.OSS can not connect to your callbackUrl, please check it."
            }
        }
        return .failed(lastFailure)
    }
}

extension OSSService {
    /// The answer to an upload that carried a callback: the app server's JSON (200), or 203 CallbackFailed.
    /// The object is stored either way.
    func respondAfterCallback(_ callback: UploadCallback, record: ObjectRecord, operation: String, request: OSSRequest,
                              caller: Caller, headers: HTTPFields) async -> Response {
        let wantsImage = callback.configuration.bodyTemplate.contains("${imageInfo.")
            || record.contentType.lowercased().hasPrefix("image/")
        let image = wantsImage ? await imageHeader(record) : nil
        let values = callback.values(record: record, operation: operation, request: request, caller: caller, image: image)
        let body = (try? CallbackTemplate(callback.configuration.bodyTemplate))?.render(values, as: callback.configuration.bodyType) ?? ""
        let facts = CallbackFacts(
            bucket: record.bucket, object: record.key, etag: record.etag, size: record.size,
            contentType: record.contentType, crc64: String(record.crc64), operation: operation,
            requestId: request.requestId, issuedAt: settings.clock(), uploader: uploader(caller.principal),
            image: image.map { CallbackFacts.Image(width: $0.width, height: $0.height, format: $0.format) })
        let publicKeyURL = "http://" + settings.publicEndpoint.value + "/" + Self.callbackPublicKeyPath
        switch await callback.deliver(body: body, facts: facts, settings: settings.callbacks, publicKeyURL: publicKeyURL) {
        case .answered(let answer):
            var fields = headers
            fields[.contentType] = "application/json"
            fields[.contentLength] = String(answer.readableBytes)
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: answer))
        case .failed(let message):
            var response = Responses.error(OSSError(status: 203, code: "CallbackFailed", message: message),
                                           request: request, requestId: request.requestId, isHead: false)
            for field in headers where response.headers[field.name] == nil { response.headers.append(field) }
            return response
        }
    }

    static let callbackPublicKeyPath = "-/callback/public-key.pem"

    /// Who made the upload, as the callback's facts tell the receiver.
    func uploader(_ principal: Principal) -> CallbackFacts.Uploader {
        let arn = principal.arn(account: settings.accountId)
        switch principal {
        case .anonymous: return CallbackFacts.Uploader(kind: "anonymous")
        case .root(let key): return CallbackFacts.Uploader(kind: "root", arn: arn, accessKeyId: key)
        case .user(_, _, let key): return CallbackFacts.Uploader(kind: "user", arn: arn, accessKeyId: key)
        case .roleSession(let session):
            return CallbackFacts.Uploader(kind: "role-session", arn: arn, accessKeyId: session.accessKeyId,
                                          roleArn: session.roleArn, sessionName: session.sessionName)
        }
    }

    /// The stored object's image header, read from its first bytes; nil for anything else.
    func imageHeader(_ record: ObjectRecord) async -> ImageHeader? {
        guard record.size > 0 else { return nil }
        let length = min(record.size, Int64(ImageHeader.sniffLength))
        guard let prefix = try? await objects.blobs.readWhole(record.extents, range: 0..<length) else { return nil }
        return ImageHeader.sniff(prefix.readableBytesView)
    }
}

extension OSSService {
    /// The PEM that `x-oss-pub-key-url` points to.
    func callbackPublicKey() -> Response {
        guard let signer = settings.callbacks.signer else {
            return Responses.error(OSSError(status: 404, code: "NoSuchKey", message: "Callbacks are not configured."),
                                   request: nil, requestId: RequestIdentifier.make(), isHead: false)
        }
        var buffer = ByteBuffer()
        buffer.writeString(signer.publicKeyPEM)
        return Response(status: .ok, headers: [.contentType: "application/x-pem-file", .cacheControl: "max-age=3600"],
                        body: .init(byteBuffer: buffer))
    }
}
