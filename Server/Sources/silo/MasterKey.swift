import Crypto
import Foundation
import SiloIAM

/// The key that seals access-key secrets and STS token keys at rest: `SILO_MASTER_KEY` (Base64 of 32 bytes), else
/// `<data>/master.key`, generated on first start with mode 0600. Losing it makes the sealed secrets unreadable.
enum MasterKey {
    static let fileName = "master.key"

    /// `create: false` reads an existing key only (backups and restores never make one).
    static func load(dataDirectory: String, environment: [String: String], create: Bool = true) throws -> SymmetricKey {
        if let text = environment["SILO_MASTER_KEY"], !text.isEmpty {
            guard let key = Sealer.masterKey(base64: text) else {
                throw ValidationFailure("SILO_MASTER_KEY must be the Base64 encoding of 32 random bytes.")
            }
            return key
        }
        let path = dataDirectory + "/" + fileName
        if let data = FileManager.default.contents(atPath: path) {
            guard let key = Sealer.masterKey(base64: String(decoding: data, as: UTF8.self)) else {
                throw ValidationFailure("\(path) does not hold a Base64 32-byte key.")
            }
            return key
        }
        guard create else { throw ValidationFailure("\(path) is missing and SILO_MASTER_KEY is not set") }
        let text = Sealer.newKeyBase64()
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((text + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else { throw ValidationFailure("cannot write \(path)") }
        return Sealer.masterKey(base64: text)!
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
