import Crypto
import Foundation
import SiloCore

/// The callback the app server hands to each uploader: the storage service POSTs the stored object's facts to
/// this server's receiver, which records them in the catalog.
///
/// Each user's callback URL carries `uid` and a MAC of it (`uid_mac`), so even a storage service that sends no
/// signed facts (Alibaba Cloud OSS) tells the receiver, under its own signature over the URL, which user the
/// callback was issued to. An uploader cannot mint a MAC for another user.
public struct CallbackParameters: Sendable {
    /// JSON, so sizes and image dimensions arrive typed.
    public static let bodyTemplate = #"{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},"# +
        #""width":${imageInfo.width},"height":${imageInfo.height},"format":${imageInfo.format}}"#

    public let url: URL
    let macKey: SymmetricKey

    /// - Parameter secret: the server's own secret the MAC key is derived from (never sent anywhere).
    public init(url: URL, secret: String) {
        self.url = url
        macKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)),
                                        info: Data("silo app-server callback uid mac v1".utf8), outputByteCount: 32)
    }

    func mac(_ uid: String) -> String {
        Hex.lower(HMAC<SHA256>.authenticationCode(for: Data(uid.utf8), using: macKey))
    }

    /// The callback for `user`'s uploads.
    public func configuration(for user: AppUser) -> CallbackConfiguration {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "uid", value: user.uid), URLQueryItem(name: "uid_mac", value: mac(user.uid)),
        ]
        return CallbackConfiguration(urls: [components.url!], bodyTemplate: Self.bodyTemplate, bodyType: .json)
    }

    /// The `x-oss-callback` header value (or `callback` form field) for `user`.
    public func base64(for user: AppUser) -> String { configuration(for: user).base64 }

    /// The user a received callback URL was issued to, when its MAC holds; nil otherwise.
    func issuedUser(rawQuery: String?) -> String? {
        guard let rawQuery else { return nil }
        var uid: String?
        var provided: String?
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let value = PercentEncoding.decode(parts[1], plusAsSpace: true) else { continue }
            switch parts[0] {
            case "uid": if uid != nil { return nil } else { uid = value }
            case "uid_mac": if provided != nil { return nil } else { provided = value }
            default: continue
            }
        }
        guard let uid, let provided, AppUser.isValidUID(uid), provided.utf8.count == 64,
            let bytes = Hex.decode(provided),
            HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(uid.utf8), using: macKey)
        else { return nil }
        return uid
    }
}
