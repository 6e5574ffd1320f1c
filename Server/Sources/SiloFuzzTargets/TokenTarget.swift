import Crypto
import SiloCore

@testable import SiloIAM

enum TokenTarget {
    static let keyring = TokenKeyring(keys: ["k1": SymmetricKey(size: .bits256)], currentKeyId: "k1")

    /// A fuzzed token never opens (it would have to forge AES-GCM); claims decode from any bytes without crashing.
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if (try? keyring.open(text)) != nil { preconditionFailure("a fuzzed session token opened") }
        _ = SiloIAM.Base64URL.decode(text)
        if let claims = SessionClaims(decoding: bytes) {
            precondition(SessionClaims(decoding: claims.encoded()) == claims, "claims do not round-trip")
        }
    }
}
