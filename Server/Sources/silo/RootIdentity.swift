import Foundation

/// The account id and root key pair: keys from the environment, else from the data folder, else generated
/// once and stored there (mode 0600). Keys given in the environment are never written to disk.
struct RootIdentity: Codable, Sendable {
    var accountId: String
    var accessKeyId: String?
    var accessKeySecret: String?

    static let fileName = "root-identity.json"

    struct Resolved: Sendable {
        var accountId: String
        var accessKeyId: String
        var accessKeySecret: String
        /// The key pair was made on this start.
        var generated: Bool
    }

    static func load(dataDirectory: String, environment: [String: String]) throws -> Resolved {
        let path = dataDirectory + "/" + fileName
        let stored = try FileManager.default.contents(atPath: path).map { try JSONDecoder().decode(RootIdentity.self, from: $0) }
        var dirty = stored == nil
        var identity = stored ?? RootIdentity(accountId: randomDigits(16))
        if let id = environment["SILO_ROOT_ACCESS_KEY_ID"], let secret = environment["SILO_ROOT_ACCESS_KEY_SECRET"],
            !id.isEmpty, !secret.isEmpty
        {
            if dirty { try write(identity, to: path) }
            return Resolved(accountId: identity.accountId, accessKeyId: id, accessKeySecret: secret, generated: false)
        }
        var generated = false
        if identity.accessKeyId == nil || identity.accessKeySecret == nil {
            identity.accessKeyId = "LTAI" + randomAlphanumeric(20)
            identity.accessKeySecret = randomAlphanumeric(30)
            generated = true
            dirty = true
        }
        if dirty { try write(identity, to: path) }
        return Resolved(accountId: identity.accountId, accessKeyId: identity.accessKeyId!,
                        accessKeySecret: identity.accessKeySecret!, generated: generated)
    }

    static func write(_ identity: RootIdentity, to path: String) throws {
        let data = try JSONEncoder().encode(identity)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    static func randomDigits(_ count: Int) -> String {
        String((0..<count).map { index in (index == 0 ? "123456789" : "0123456789").randomElement()! })
    }

    static func randomAlphanumeric(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
