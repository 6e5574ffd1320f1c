import ArgumentParser
import Foundation

/// Whose key the `silo` client and admin commands sign with: the flags, else the environment, else the root
/// identity stored in the server's data folder.
enum LocalCredentials {
    static func resolve(accessKeyId: String?, dataDir: String,
                        allowOSSVariables: Bool) throws -> (id: String, secret: String) {
        let environment = ProcessInfo.processInfo.environment
        var id = accessKeyId ?? environment["SILO_ACCESS_KEY_ID"]
        var secret = environment["SILO_ACCESS_KEY_SECRET"]
        if allowOSSVariables {
            id = id ?? environment["OSS_ACCESS_KEY_ID"]
            secret = secret ?? environment["OSS_ACCESS_KEY_SECRET"]
        }
        if id == nil || secret == nil {
            id = environment["SILO_ROOT_ACCESS_KEY_ID"]
            secret = environment["SILO_ROOT_ACCESS_KEY_SECRET"]
        }
        if id == nil || secret == nil,
            let data = FileManager.default.contents(atPath: dataDir + "/" + RootIdentity.fileName),
            let stored = try? JSONDecoder().decode(RootIdentity.self, from: data) {
            id = stored.accessKeyId
            secret = stored.accessKeySecret
        }
        guard let id, let secret else {
            throw ValidationError("No credentials: pass --access-key-id/--access-key-secret, set SILO_ACCESS_KEY_ID, or point --data-dir at the server's data folder.")
        }
        return (id, secret)
    }
}
