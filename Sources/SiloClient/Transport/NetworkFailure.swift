import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why the network failed, in the terms an app acts on: offline (wait for connectivity), timed out (retry later,
/// perhaps on another network), cannot connect (the server or the address is wrong or down), connection lost
/// (resume), TLS (a certificate problem, never retried blindly), or something else.
public struct NetworkFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Cause: String, Sendable, Hashable, CaseIterable {
        /// No route to the internet: airplane mode, no signal, cellular data off for the app.
        case offline
        case timedOut
        /// The host's name did not resolve, or nothing accepted the connection.
        case cannotConnect
        /// The connection broke while the request or its answer was moving.
        case connectionLost
        /// The TLS handshake failed: an untrusted or expired certificate, a wrong host name, a pinning refusal.
        case tls
        case other
    }

    public var cause: Cause
    /// What the transport said, for logs.
    public var message: String

    public init(_ cause: Cause, _ message: String) {
        self.cause = cause
        self.message = message
    }

    public var description: String { "\(cause.rawValue): \(message)" }

    /// Classifies Foundation's URL loading errors (URLSession on every platform).
    public static func classify(_ error: URLError) -> NetworkFailure {
        let cause: Cause
        switch error.code {
        case .notConnectedToInternet, .dataNotAllowed, .internationalRoamingOff, .callIsActive:
            cause = .offline
        case .timedOut:
            cause = .timedOut
        case .cannotFindHost, .cannotConnectToHost, .dnsLookupFailed:
            cause = .cannotConnect
        case .networkConnectionLost:
            cause = .connectionLost
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
             .clientCertificateRequired:
            cause = .tls
        default:
            cause = Self.isCurlTLSFailure(error) ? .tls : .other
        }
        return NetworkFailure(cause, "\(error.localizedDescription) (URLError \(error.code.rawValue))")
    }

    /// FoundationNetworking (libcurl) reports TLS handshake failures as `.unknown` with OpenSSL's text, where
    /// Apple's URLSession says `.secureConnectionFailed`; the text is all there is to tell them apart.
    private static func isCurlTLSFailure(_ error: URLError) -> Bool {
        #if canImport(FoundationNetworking)
        guard error.code == .unknown else { return false }
        let text = error.localizedDescription
        return text.contains("SSL") || text.contains("TLS") || text.contains("certificate")
        #else
        return false
        #endif
    }
}
