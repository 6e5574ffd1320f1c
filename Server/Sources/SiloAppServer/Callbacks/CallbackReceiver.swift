import Foundation
import SiloCore

/// Takes the storage service's upload callbacks: checks the MD5-with-RSA signature with the public key the
/// callback points to (only from allowed places), works out whose upload it is from the key, asks storage what
/// the object really is, and records that. A signature proves storage sent the body, not that the uploader's
/// template told the truth, so nothing else in the body is believed.
public struct CallbackReceiver: Sendable {
    public static let maxBodyBytes = 64 * 1024

    let keys: PublicKeyCache
    let catalog: UploadCatalog
    let storage: any StoredObjectLookup
    let bucket: String
    let templates: [PolicyTemplate]
    let clock: @Sendable () -> Int64

    public init(keys: PublicKeyCache, catalog: UploadCatalog, storage: any StoredObjectLookup, bucket: String,
                templates: [PolicyTemplate], clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.keys = keys
        self.catalog = catalog
        self.storage = storage
        self.bucket = bucket
        self.templates = templates
        self.clock = clock
    }

    /// - Parameters:
    ///   - path: the request path exactly as received (percent-encoded), and `rawQuery` the text after `?`.
    ///   - publicKeyURL: the `x-oss-pub-key-url` header (base64 of the key's URL).
    public func receive(path: String, rawQuery: String?, body: Data, authorization: String?,
                        publicKeyURL: String?) async throws(AppServerError) -> UploadCatalog.Upload {
        guard let authorization, !authorization.isEmpty, let publicKeyURL, !publicKeyURL.isEmpty else {
            throw .forbidden("MissingCallbackSignature", "The callback lacks authorization or x-oss-pub-key-url.")
        }
        guard let urlData = Data(base64Encoded: publicKeyURL), let url = URL(string: String(decoding: urlData, as: UTF8.self)) else {
            throw .forbidden("InvalidPublicKeyURL", "x-oss-pub-key-url is not a base64 URL.")
        }
        let text = String(decoding: body, as: UTF8.self)
        let stringToSign = CallbackStringToSign.make(path: path, rawQuery: rawQuery, body: text)
        var pem = try await keys.key(at: url)
        if !CallbackSignatureVerifier.isValid(signature: authorization, stringToSign: stringToSign, publicKeyPEM: pem) {
            // The storage service may have rotated its key since it was cached.
            pem = try await keys.key(at: url, refresh: true)
            guard CallbackSignatureVerifier.isValid(signature: authorization, stringToSign: stringToSign, publicKeyPEM: pem) else {
                throw .forbidden("InvalidCallbackSignature", "The callback signature does not verify.")
            }
        }
        let fields = Self.fields(of: body)
        guard let bucketName = fields["bucket"], let key = fields["object"], !key.isEmpty else {
            throw .badRequest("IncompleteCallback", "The callback body must carry bucket and object.")
        }
        guard bucketName == bucket else {
            throw .forbidden("ForeignBucket", "Uploads to bucket \(bucketName) are not this app's.")
        }
        guard let uid = PolicyTemplate.owner(ofKey: key, templates: templates) else {
            throw .forbidden("NotAUserKey", "The key \(key) is under no user's prefix.")
        }
        let stored: StoredObject?
        do {
            stored = try await storage.lookup(bucket: bucketName, key: key)
        } catch {
            throw .upstream("StorageUnavailable", "Looking up \(key) in storage failed: \(error)")
        }
        guard let stored else {
            throw AppServerError(status: 404, code: "NoSuchObject", message: "Storage has no object \(key).")
        }
        let upload = UploadCatalog.Upload(
            uid: uid, bucket: bucketName, key: key, size: stored.size, etag: stored.etag, mimeType: stored.contentType,
            width: stored.image?.width, height: stored.image?.height, uploadedAt: clock())
        do {
            try await catalog.record(upload)
        } catch {
            throw AppServerError(status: 500, code: "CatalogUnavailable", message: "Recording the upload failed.")
        }
        return upload
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
