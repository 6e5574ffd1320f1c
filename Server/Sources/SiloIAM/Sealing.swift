import Crypto
import Foundation

/// AES-GCM with associated data: secrets at rest under the master key, STS tokens under a token key.
public struct Sealer: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Array(context.utf8))
        return Array(box.combined!)
    }

    /// Nil when the ciphertext was altered, belongs to another context, or to another key.
    public func open(_ sealed: [UInt8], context: String) -> [UInt8]? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: Array(context.utf8))
        else { return nil }
        return Array(plaintext)
    }

    /// A master key from 32 raw bytes given as Base64 (SILO_MASTER_KEY, the master-key file).
    public static func masterKey(base64: String) -> SymmetricKey? {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32
        else { return nil }
        return SymmetricKey(data: data)
    }

    public static func newKeyBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }
}

/// Random identifiers and secrets. The bytes come from the system's cryptographic generator in one block per
/// draw: eight bytes a call, an STS session's two secrets took nine system calls (5% of an AssumeRole's server
/// CPU in a `perf` profile).
public enum RandomText {
    static let alphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let digits = Array("0123456789".utf8)

    /// Uniform over `alphabet`: bytes at or above the largest multiple of its size are drawn again.
    static func draw(_ count: Int, from alphabet: [UInt8]) -> [UInt8] {
        let limit = 256 - 256 % alphabet.count
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            // A little more than needed, so one block almost always suffices (62 letters reject 8 of 256 bytes).
            let wanted = count - out.count
            for byte in SystemRandomBytes.bytes(wanted + wanted / 8 + 8) where Int(byte) < limit && out.count < count {
                out.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return out
    }

    public static func alphanumeric(_ count: Int) -> String {
        String(decoding: draw(count, from: alphanumeric), as: UTF8.self)
    }

    public static func digits(_ count: Int) -> String {
        guard count > 0 else { return "" }
        return String(decoding: draw(1, from: Array("123456789".utf8)) + draw(count - 1, from: digits), as: UTF8.self)
    }
}
