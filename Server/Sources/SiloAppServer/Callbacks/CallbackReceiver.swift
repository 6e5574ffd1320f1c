import Foundation
import SiloCallbackSigning
import SiloCore

/// Takes the storage service's upload callbacks and records the uploads they announce.
///
/// The callback's signature proves storage sent it, not that its body tells the truth: the body is the
/// uploader's template, so an uploader can name any key (another user's photo) in it. The receiver therefore
/// believes only what storage states itself:
/// - **Storage facts** (Silo): `x-silo-callback-facts`, signed by the same key, give the true bucket, key,
///   size, ETag, type, image size and uploader. The uploader must be a session of the app's role named for the
///   owner of the key (the user whose prefix holds it). The body is not read at all.
/// - **Without facts** (a storage service that sends none, like Alibaba Cloud OSS), only when configured
///   (`callback.require_storage_facts: false`): the callback URL storage signed must carry the `uid` this server
///   issued it to (with its MAC), the body's key must lie under that user's prefix, and size, ETag and type come
///   from storage itself through a read-only session. A user can then only misname their own objects.
public struct CallbackReceiver: Sendable {
    public static let maxBodyBytes = 64 * 1024
    /// Facts older (or newer) than this are refused: a captured callback cannot be replayed later.
    public static let maxFactsAgeSeconds: Int64 = 15 * 60

    let keys: PublicKeyCache
    let catalog: UploadCatalog
    let storage: any StoredObjectLookup
    let bucket: String
    let templates: [PolicyTemplate]
    let roleArn: String
    let parameters: CallbackParameters?
    let requireStorageFacts: Bool
    let clock: @Sendable () -> Int64

    public init(keys: PublicKeyCache, catalog: UploadCatalog, storage: any StoredObjectLookup, bucket: String,
                templates: [PolicyTemplate], roleArn: String, parameters: CallbackParameters?, requireStorageFacts: Bool = true,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.keys = keys
        self.catalog = catalog
        self.storage = storage
        self.bucket = bucket
        self.templates = templates
        self.roleArn = roleArn
        self.parameters = parameters
        self.requireStorageFacts = requireStorageFacts
        self.clock = clock
    }

    /// The headers a callback carries that the receiver reads.
    public struct Headers: Sendable {
        public var authorization: String?
        /// `x-oss-pub-key-url`: base64 of the key's URL.
        public var publicKeyURL: String?
        public var facts: String?
        public var factsSignature: String?

        public init(authorization: String?, publicKeyURL: String?, facts: String? = nil, factsSignature: String? = nil) {
            self.authorization = authorization
            self.publicKeyURL = publicKeyURL
            self.facts = facts
            self.factsSignature = factsSignature
        }
    }

    /// - Parameters:
    ///   - path: the request path exactly as received (percent-encoded), and `rawQuery` the text after `?`.
    public func receive(path: String, rawQuery: String?, body: Data, headers: Headers) async throws(AppFailure)
        -> UploadCatalog.Upload
    {
        guard let authorization = headers.authorization, !authorization.isEmpty, let publicKeyURL = headers.publicKeyURL,
            !publicKeyURL.isEmpty
        else {
            throw .callbackRejected(.missingSignature, message: "The callback lacks authorization or x-oss-pub-key-url.")
        }
        guard publicKeyURL.utf8.count <= 2048, let urlData = Data(base64Encoded: publicKeyURL),
            let url = URL(string: String(decoding: urlData, as: UTF8.self))
        else {
            throw .callbackRejected(.invalidPublicKeyURL, message: "x-oss-pub-key-url is not a base64 URL.")
        }
        let stringToSign = CallbackStringToSign.make(path: path, rawQuery: rawQuery, body: String(decoding: body, as: UTF8.self))
        var pem = try await keys.key(at: url)
        if !CallbackSignatureVerifier.isValid(signature: authorization, stringToSign: stringToSign, publicKeyPEM: pem) {
            // The storage service may have rotated its key since it was cached.
            pem = try await keys.key(at: url, refresh: true)
            guard CallbackSignatureVerifier.isValid(signature: authorization, stringToSign: stringToSign, publicKeyPEM: pem) else {
                throw .callbackRejected(.invalidSignature, message: "The callback signature does not verify.")
            }
        }
        let upload: UploadCatalog.Upload
        if let encoded = headers.facts {
            let facts: CallbackFacts
            do {
                facts = try CallbackAttestation.verify(facts: encoded, signature: headers.factsSignature ?? "",
                                                       stringToSign: stringToSign, publicKeyPEM: pem)
            } catch {
                throw .callbackRejected(.invalidFacts, message: "The callback's storage facts do not verify.")
            }
            upload = try attested(facts)
        } else {
            guard !requireStorageFacts else {
                throw .callbackRejected(.unattested, message:
                                 "The callback carries no storage facts; this server believes nothing else.")
            }
            upload = try await unattested(rawQuery: rawQuery, body: body)
        }
        do {
            try await catalog.record(upload)
        } catch {
            throw .unavailable(.catalog, message: "Recording the upload failed.")
        }
        return upload
    }

    /// An upload as storage's signed facts describe it.
    func attested(_ facts: CallbackFacts) throws(AppFailure) -> UploadCatalog.Upload {
        let now = clock()
        guard abs(now - facts.issuedAt) <= Self.maxFactsAgeSeconds else {
            throw .callbackRejected(.stale, message: "The callback's storage facts are too old.")
        }
        guard facts.bucket == bucket else {
            throw .callbackRejected(.foreignBucket, message: "Uploads to bucket \(facts.bucket) are not this app's.")
        }
        let uid = try owner(of: facts.object)
        // The uploader must be the owner's own session of the app's role, as /v1/token mints them.
        let uploader = facts.uploader
        guard uploader.kind == "role-session", uploader.roleArn?.lowercased() == roleArn.lowercased(),
            uploader.sessionName == AppUser(uid: uid).roleSessionName
        else {
            throw .callbackRejected(.foreignUploader, message:
                             "\(facts.object) was not uploaded by \(uid)'s session (uploader: \(uploader.arn ?? uploader.kind)).")
        }
        return UploadCatalog.Upload(
            uid: uid, bucket: facts.bucket, key: facts.object, size: facts.size, etag: facts.etag,
            mimeType: facts.contentType, width: facts.image?.width, height: facts.image?.height, uploadedAt: now)
    }

    /// An upload from a storage service that signs no facts: the key is the body's claim, bounded to the user
    /// the callback URL was issued to; everything else is asked of storage.
    func unattested(rawQuery: String?, body: Data) async throws(AppFailure) -> UploadCatalog.Upload {
        guard let issued = parameters?.issuedUser(rawQuery: rawQuery) else {
            throw .callbackRejected(.unbound, message: "The callback URL does not name the user it was issued to.")
        }
        let fields = Self.fields(of: body)
        guard let bucketName = fields["bucket"], let key = fields["object"], !key.isEmpty else {
            throw .incompleteCallback
        }
        guard bucketName == bucket else {
            throw .callbackRejected(.foreignBucket, message: "Uploads to bucket \(bucketName) are not this app's.")
        }
        let uid = try owner(of: key)
        guard uid == issued else {
            throw .callbackRejected(.foreignKey, message: "The key \(key) is not under the prefix of the user this callback was issued to.")
        }
        let stored: StoredObject?
        do {
            stored = try await storage.lookup(bucket: bucketName, key: key)
        } catch {
            throw .unavailable(.storage, message: "Looking up \(key) in storage failed: \(error)")
        }
        guard let stored else {
            throw .noSuchObject(key)
        }
        return UploadCatalog.Upload(
            uid: uid, bucket: bucketName, key: key, size: stored.size, etag: stored.etag, mimeType: stored.contentType,
            width: stored.image?.width, height: stored.image?.height, uploadedAt: clock())
    }

    func owner(of key: String) throws(AppFailure) -> String {
        guard let uid = PolicyTemplate.owner(ofKey: key, templates: templates) else {
            throw .callbackRejected(.notAUserKey, message: "The key \(key) is under no user's prefix.")
        }
        return uid
    }

    /// A JSON object (values as text) or a URL-encoded form.
    static func fields(of body: Data) -> [String: String] {
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            var fields: [String: String] = [:]
            for (name, value) in object {
                switch value {
                case let text as String: fields[name] = text
                case let number as NSNumber: fields[name] = number.stringValue
                default: continue
                }
            }
            return fields
        }
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            fields[name] = value
        }
        return fields
    }
}
