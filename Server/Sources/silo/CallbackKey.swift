import Foundation
import SiloCallbackSigning
import SiloCore

/// The RSA key upload callbacks are signed with: `<data>/callback-key.pem`, generated on first start with mode
/// 0600, so app servers that cached the public key keep verifying after a restart.
enum CallbackKey {
    static let fileName = "callback-key.pem"

    static func load(dataDirectory: String) throws -> CallbackSigner {
        let path = dataDirectory + "/" + fileName
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return try CallbackSigner(pemRepresentation: String(decoding: data, as: UTF8.self))
            } catch {
                throw ValidationFailure("\(path) is not an RSA private key in PEM: \(error)")
            }
        }
        let (signer, pem) = try CallbackSigner.generate()
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else { throw ValidationFailure("cannot write \(path)") }
        return signer
    }
}
