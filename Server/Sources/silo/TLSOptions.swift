import ArgumentParser
import Dispatch
import Foundation
import Logging
import SiloHTTP

extension ServingCertificate {
    /// `--tls-cert` and `--tls-key`: both or neither. The key must not be readable by others.
    static func load(certificate: String?, key: String?) throws -> ServingCertificate? {
        switch (certificate, key) {
        case (nil, nil): return nil
        case (let certificate?, let key?):
            if let mode = (try? FileManager.default.attributesOfItem(atPath: key))?[.posixPermissions] as? Int,
               mode & 0o077 != 0 {
                throw ValidationError("--tls-key \(key) is readable by other users (mode \(String(mode, radix: 8))); chmod 600 it")
            }
            do {
                return try ServingCertificate(certificatePath: certificate, keyPath: key)
            } catch {
                throw ValidationError("--tls-cert/--tls-key: \(error)")
            }
        default:
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }
}

/// Re-reads the TLS certificates on SIGHUP (what `systemctl reload` and certificate renewers send). Handshakes after
/// it use the new pair; open connections keep theirs. A failed reload is logged and the old pair served on.
final class HangupReload {
    private let source: any DispatchSourceSignal

    init(certificates: [ServingCertificate], logger: Logger) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            for certificate in certificates {
                do {
                    try certificate.reload()
                    logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(certificate.certificatePath)"])
                } catch {
                    logger.error("TLS certificate reload failed; still serving the previous one",
                                 metadata: ["certificate": "\(certificate.certificatePath)", "error": "\(error)"])
                }
            }
        }
        source.resume()
    }

    func cancel() { source.cancel() }
}
