import Foundation
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SiloCallbackSigning
import SiloCore
import SiloIAM
import SiloOutbound
import SiloStorage

/// Delivers upload callbacks after the commit: fills the template, signs it as OSS does, adds storage's
/// signed facts, and POSTs it through the outbound client to each URL in turn.
public struct CallbackDelivery: Sendable {
    public let settings: CallbackSettings
    let blobs: any BlobStore
    let accountId: String
    let clock: @Sendable () -> Int64
    /// Where receivers fetch the public key: `http://<public endpoint>/-/callback/public-key.pem`.
    public let publicKeyURL: @Sendable () -> String
    /// The latest failures, for the console.
    public let failures = CallbackFailureLog()

    public static let maxAnswerBytes = 1 << 20
    public static let publicKeyPath = "-/callback/public-key.pem"

    public init(settings: CallbackSettings, blobs: any BlobStore, accountId: String, clock: @escaping @Sendable () -> Int64,
                publicKeyURL: @escaping @Sendable () -> String) {
        self.settings = settings
        self.blobs = blobs
        self.accountId = accountId
        self.clock = clock
        self.publicKeyURL = publicKeyURL
    }

    public enum Outcome: Sendable {
        /// The receiver's JSON, for the uploader.
        case answered(ByteBuffer)
        /// Why it failed, in OSS's words; the object stays stored.
        case failed(String)
    }

    /// Runs the callback for the committed `record`.
    public func deliver(_ callback: UploadCallback, record: ObjectRecord, operation: String, requestId: String,
                        caller: Caller) async -> Outcome {
        let wantsImage = callback.configuration.bodyTemplate.contains("${imageInfo.")
            || record.contentType.lowercased().hasPrefix("image/")
        let image = wantsImage ? await imageHeader(record) : nil
        let values = callback.values(record: record, operation: operation, requestId: requestId, clientIP: caller.sourceIP,
                                     image: image)
        let body = (try? CallbackTemplate(callback.configuration.bodyTemplate))?.render(values, as: callback.configuration.bodyType) ?? ""
        let facts = CallbackFacts(
            bucket: record.bucket, object: record.key, etag: record.etag, size: record.size,
            contentType: record.contentType, crc64: String(record.crc64), operation: operation,
            requestId: requestId, issuedAt: clock(), uploader: uploader(caller.principal),
            image: image.map { CallbackFacts.Image(width: $0.width, height: $0.height, format: $0.format) })
        let outcome = await post(body: body, facts: facts, configuration: callback.configuration)
        let name: String
        switch outcome {
        case .answered: name = "delivered"
        case .failed(let reason):
            name = "failed"
            failures.record(CallbackFailureLog.Failure(time: clock(), bucket: record.bucket, key: record.key, reason: reason))
        }
        Counter(label: "silo_callback_deliveries_total", dimensions: [("outcome", name)]).increment()
        return outcome
    }

    /// POSTs the signed callback to each URL in turn until one answers 200 with a JSON body. The target policy is
    /// checked on the addresses actually connected to, and a redirect is an answer like any other (a failure).
    func post(body: String, facts: CallbackFacts, configuration: CallbackConfiguration) async -> Outcome {
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
            headers.add(name: "x-oss-pub-key-url", value: Data(publicKeyURL().utf8).base64EncodedString())
            let request = OutboundRequest(
                url: url, method: .POST, headers: headers, body: ByteBuffer(string: body),
                tlsServerName: configuration.sni ? configuration.host.map(Self.hostName) : nil)
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
                return .answered(response.body)
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

    /// `host:port` → `host`, keeping IPv6 literals whole.
    static func hostName(_ host: String) -> String {
        if host.hasPrefix("[") { return host }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }

    /// Who made the upload, as the callback's facts tell the receiver.
    func uploader(_ principal: Principal) -> CallbackFacts.Uploader {
        let arn = principal.arn(account: accountId)
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
        guard let prefix = try? await blobs.readWhole(record.extents, range: 0..<length) else { return nil }
        return ImageHeader.sniff(prefix.readableBytesView)
    }

    /// The PEM receivers verify callbacks with, when callbacks are configured.
    public var publicKeyPEM: String? { settings.signer?.publicKeyPEM }
}
