import Crypto
import Foundation

/// What OSS V4 and AWS SigV4 share: the string to sign over a canonical request's hash, and the signing key
/// derived by HMAC-SHA256 from the secret through date, region, service and terminator. They differ only in
/// the names (`OSS4-HMAC-SHA256`/`aliyun_v4`/`aliyun_v4_request` against `AWS4-HMAC-SHA256`/`AWS4`/`aws4_request`).
enum HMACV4 {
    static func stringToSign(algorithm: String, canonicalRequest: String, timestamp: String, scope: String) -> String {
        let hash = SHA256.hash(data: Data(canonicalRequest.utf8))
        return algorithm + "\n" + timestamp + "\n" + scope + "\n" + Hex.lower(hash)
    }

    static func signingKey(secretPrefix: String, secret: String, date: String, region: String, service: String,
                           terminator: String) -> SymmetricKey {
        func mac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)))
        }
        var key = mac(SymmetricKey(data: Data((secretPrefix + secret).utf8)), date)
        key = mac(key, region)
        key = mac(key, service)
        return mac(key, terminator)
    }

    static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        Hex.lower(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey))
    }
}
