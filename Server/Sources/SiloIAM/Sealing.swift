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

/// Random identifiers and secrets.
public enum RandomText {
    static let alphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    public static func alphanumeric(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphanumeric.randomElement(using: &generator)! })
    }

    public static func digits(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { index in
            (index == 0 ? Array("123456789") : Array("0123456789")).randomElement(using: &generator)!
        })
    }
}
