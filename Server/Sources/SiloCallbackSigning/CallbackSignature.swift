import BigInt
import Crypto
import CryptoExtras
import Foundation

/// The callback signature (spec §13.4): RSA PKCS#1 v1.5 over the MD5 of the string to sign, base64 in the
/// `authorization` header. swift-crypto offers no MD5 RSA signature, so the padding is built here and the raw
/// private operation comes from the blind-signing API; verification is the public operation done with BigInt.
public struct CallbackSigner: Sendable {
    private let key: _RSA.BlindSigning.PrivateKey<SHA384>
    private let modulusBytes: Int
    /// The SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`) served at the `x-oss-pub-key-url`.
    public let publicKeyPEM: String

    /// DER of `DigestInfo { AlgorithmIdentifier md5, OCTET STRING(16) }` without the digest.
    static let md5DigestInfoPrefix: [UInt8] = [0x30, 0x20, 0x30, 0x0C, 0x06, 0x08, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                               0x02, 0x05, 0x05, 0x00, 0x04, 0x10]

    public init(pemRepresentation: String) throws {
        key = try _RSA.BlindSigning.PrivateKey(pemRepresentation: pemRepresentation)
        modulusBytes = key.keySizeInBits / 8
        publicKeyPEM = key.publicKey.pemRepresentation
    }

    /// A new 2048-bit key; keep `privateKeyPEM` to sign with the same key after a restart.
    public static func generate() throws -> (signer: CallbackSigner, privateKeyPEM: String) {
        let key = try _RSA.BlindSigning.PrivateKey(keySize: .bits2048, parameters: .RSABSSA_SHA384_PSS_Randomized)
        let pem = key.pemRepresentation
        return (try CallbackSigner(pemRepresentation: pem), pem)
    }

    /// DER of `DigestInfo { AlgorithmIdentifier sha256, OCTET STRING(32) }` without the digest.
    static let sha256DigestInfoPrefix: [UInt8] = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
                                                  0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]

    /// The digest a signature is made over: MD5 for OSS's callback `authorization` (the wire format fixes it),
    /// SHA-256 for anything Silo defines itself (`CallbackAttestation`).
    public enum Digest: Sendable {
        case md5
        case sha256
    }

    /// Base64 of the signature over `stringToSign`.
    public func sign(_ stringToSign: String, digest: Digest = .md5) throws -> String {
        let encoded = Self.encodedMessage(stringToSign, length: modulusBytes, digest: digest)
        return try key.blindSignature(for: encoded).rawRepresentation.base64EncodedString()
    }

    /// EMSA-PKCS1-v1_5: `00 01 FF…FF 00 || DigestInfo || digest(message)`.
    static func encodedMessage(_ stringToSign: String, length: Int, digest: Digest = .md5) -> [UInt8] {
        let tail: [UInt8]
        switch digest {
        case .md5: tail = md5DigestInfoPrefix + Array(Insecure.MD5.hash(data: Data(stringToSign.utf8)))
        case .sha256: tail = sha256DigestInfoPrefix + Array(SHA256.hash(data: Data(stringToSign.utf8)))
        }
        return [0x00, 0x01] + [UInt8](repeating: 0xFF, count: length - 3 - tail.count) + [0x00] + tail
    }
}

/// Checks a callback's `authorization` header against the public key it names (the app server's side).
public enum CallbackSignatureVerifier {
    public static func isValid(signature base64: String, stringToSign: String, publicKeyPEM: String,
                               digest: CallbackSigner.Digest = .md5) -> Bool {
        guard let signature = Data(base64Encoded: base64),
            let key = try? _RSA.Signing.PublicKey(pemRepresentation: publicKeyPEM),
            let primitives = try? key.getKeyPrimitives()
        else { return false }
        let modulus = BigUInt(primitives.modulus)
        let exponent = BigUInt(primitives.publicExponent)
        let length = primitives.modulus.drop { $0 == 0 }.count
        guard signature.count == length, BigUInt(signature) < modulus else { return false }
        let recovered = BigUInt(signature).power(exponent, modulus: modulus).serialize()
        let padded = [UInt8](repeating: 0, count: max(0, length - recovered.count)) + Array(recovered)
        return padded == CallbackSigner.encodedMessage(stringToSign, length: length, digest: digest)
    }
}
