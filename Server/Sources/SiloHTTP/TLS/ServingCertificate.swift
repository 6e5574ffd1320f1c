import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// The certificate chain and key every TLS listener serves, read from PEM files and re-read on `reload()`
/// (SIGHUP): each new handshake picks up the current pair through NIOSSL's context callback, so connections already
/// open keep theirs and none is dropped. A reload that fails (a half-written file, a key that does not match) keeps
/// the previous pair.
public final class ServingCertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let current: NIOLockedValueBox<Pair>

    struct Pair {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        current = NIOLockedValueBox(try Self.load(certificatePath: certificatePath, keyPath: keyPath))
    }

    static func load(certificatePath: String, keyPath: String) throws -> Pair {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        guard !chain.isEmpty else { throw TLSSetupError.noCertificate(certificatePath) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        // A chain whose leaf does not belong to the key would fail every handshake: refuse it now instead.
        var probe = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                             privateKey: .privateKey(key))
        probe.minimumTLSVersion = .tlsv12
        _ = try NIOSSLContext(configuration: probe)
        return Pair(chain: chain, key: key)
    }

    /// Re-reads both files; on failure the served pair stays as it was and the error is thrown.
    public func reload() throws {
        let pair = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
        current.withLockedValue { $0 = pair }
    }

    /// The server configuration for a listener: TLS 1.2 or later, HTTP/1.1, the current pair at every handshake.
    public func serverConfiguration() -> TLSConfiguration {
        let pair = current.withLockedValue { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        let current = self.current
        configuration.sslContextCallback = { _, promise in
            let pair = current.withLockedValue { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return configuration
    }
}

public enum TLSSetupError: Error, CustomStringConvertible {
    case noCertificate(String)

    public var description: String {
        switch self {
        case .noCertificate(let path): return "\(path) holds no PEM certificate"
        }
    }
}
