import Crypto
import CryptoExtras
import Foundation

/// scrypt password hashes, stored as `scrypt$N$r$p$salt$hash` (base64) so parameters can grow later.
public struct PasswordHasher: Sendable {
    public var rounds: Int
    public var blockSize: Int
    public var parallelism: Int

    /// N = 2^17, r = 8, p = 1, OWASP's current recommendation for scrypt: 128 MiB and a few hundred
    /// milliseconds per guess. Hashes run on the NIO thread pool, so at most one per core runs at once.
    public static let standard = PasswordHasher(rounds: 1 << 17, blockSize: 8, parallelism: 1)

    public init(rounds: Int, blockSize: Int, parallelism: Int) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    public func hash(_ password: String) throws -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let derived = try Self.derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(salt.base64EncodedString())$\(derived.base64EncodedString())"
    }

    /// Whether `stored` was made with weaker parameters than these (or is not a hash this type reads), so a
    /// successful sign-in should replace it.
    public func needsRehash(_ stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3])
        else { return true }
        return rounds < self.rounds || blockSize < self.blockSize || parallelism < self.parallelism
    }

    /// Constant-time comparison; a malformed stored hash never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), let salt = Data(base64Encoded: String(parts[4])),
            let expected = Data(base64Encoded: String(parts[5])), rounds <= 1 << 20, blockSize <= 32, parallelism <= 16,
            let derived = try? derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        guard derived.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, expected) { difference |= a ^ b }
        return difference == 0
    }

    static func derive(_ password: String, salt: Data, rounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(from: Data(password.utf8), salt: salt, outputByteCount: 32, rounds: rounds,
                                           blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Data($0) }
    }
}
