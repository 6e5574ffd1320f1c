import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SiloCore
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
        for url in configuration.urls { try await settings.targets.check(url) }
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

    /// An address as a URL host: dotted IPv4, or bracketed IPv6.
    static func literal(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return "[" + groups.joined(separator: ":") + "]"
    }

    /// POSTs the signed callback to each URL in turn until one answers 200 with a JSON body.
    func deliver(body: String, settings: CallbackSettings, publicKeyURL: String) async -> Outcome {
        guard let signer = settings.signer else { return .failed("Callback key missing.") }
        var lastFailure = "Error status : -1.OSS can not connect to your callbackUrl, please check it."
        for url in configuration.urls {
            guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { continue }
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            let signature: String
            do {
                signature = try signer.sign(CallbackStringToSign.make(path: path, rawQuery: components.percentEncodedQuery, body: body))
            } catch {
                return .failed("Signing the callback failed.")
            }
            var target = url
            switch await settings.targets.evaluate(url) {
            case .refused:
                lastFailure = "Error status : -1.The callbackUrl is not allowed by the server's callback policy."
                continue
            case .unresolved:
                lastFailure = "Error status : -1.OSS can not connect to your callbackUrl, please check it."
                continue
            case .allowed(let addresses):
                // Plain HTTP connects to the very address that was checked; HTTPS keeps the name for TLS.
                if url.scheme?.lowercased() == "http", let address = addresses.first,
                    var pinned = URLComponents(url: url, resolvingAgainstBaseURL: false) {
                    pinned.host = Self.literal(address)
                    target = pinned.url ?? url
                }
            }
            var outgoing = HTTPClientRequest(url: target.absoluteString)
            outgoing.method = .POST
            let defaultHost = url.port.map { "\(url.host ?? ""):\($0)" } ?? (url.host ?? "")
            outgoing.headers.replaceOrAdd(name: "Host", value: configuration.host ?? defaultHost)
            outgoing.headers.add(name: "Content-Type", value: configuration.bodyType.rawValue)
            outgoing.headers.add(name: "Content-Length", value: String(body.utf8.count))
            outgoing.headers.add(name: "User-Agent", value: "silo-callback/1")
            outgoing.headers.add(name: "authorization", value: signature)
            outgoing.headers.add(name: "x-oss-pub-key-url", value: Data(publicKeyURL.utf8).base64EncodedString())
            outgoing.body = .bytes(ByteBuffer(string: body))
            do {
                let timeout = TimeAmount.nanoseconds(settings.timeout.components.seconds * 1_000_000_000
                    + settings.timeout.components.attoseconds / 1_000_000_000)
                let response = try await HTTPClient.shared.execute(outgoing, timeout: timeout)
                let answer = try await response.body.collect(upTo: Self.maxAnswerBytes)
                guard response.status == .ok else {
                    lastFailure = "Error status : \(response.status.code)."
                    continue
                }
                guard response.headers.first(name: "Content-Length") != nil else {
                    lastFailure = "Error Status : 200.User server missing content-length."
                    continue
                }
                guard (try? JSONSerialization.jsonObject(with: Data(buffer: answer), options: [.fragmentsAllowed])) != nil
                else {
                    lastFailure = "Response body is not valid json format."
                    continue
                }
                return .answered(body: answer)
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
        let image = callback.configuration.bodyTemplate.contains("${imageInfo.") ? await imageHeader(record) : nil
        let values = callback.values(record: record, operation: operation, request: request, caller: caller, image: image)
        let body = (try? CallbackTemplate(callback.configuration.bodyTemplate))?.render(values, as: callback.configuration.bodyType) ?? ""
        let publicKeyURL = "http://" + settings.publicEndpoint.value + "/" + Self.callbackPublicKeyPath
        switch await callback.deliver(body: body, settings: settings.callbacks, publicKeyURL: publicKeyURL) {
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
