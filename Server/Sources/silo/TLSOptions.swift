import ArgumentParser
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import SiloHTTP

/// What every long-running command (`silo server`, `silo app-server`) offers its listeners: TLS, a metrics
/// listener, and how long a stop may take.
struct ListenerOptions: ParsableArguments {
    @Option(help: "PEM certificate chain (leaf first): serve over TLS. Re-read with --tls-key on SIGHUP, without dropping connections.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert (keep it mode 0600).")
    var tlsKey: String?

    @Option(help: "HOST:PORT for Prometheus /metrics (and /healthz, /readyz); keep it off public interfaces. Off when not given.")
    var metricsAddress: String?

    @Option(help: "On SIGTERM or SIGINT: seconds to let in-flight requests finish before they are cut off.")
    var shutdownGraceSeconds: Int = 30

    func certificate() throws -> ServingCertificate? {
        try ServingCertificate.load(certificate: tlsCert, key: tlsKey)
    }

    /// Stop accepting on SIGTERM/SIGINT, let requests in flight finish, cut off what still runs after the grace.
    func serviceGroup(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) throws
        -> ServiceGroupConfiguration
    {
        guard shutdownGraceSeconds >= 1 else { throw ValidationError("--shutdown-grace-seconds must be at least 1") }
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(shutdownGraceSeconds)
        configuration.maximumCancellationDuration = .seconds(5)
        return configuration
    }
}

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
