import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import SiloClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AsyncHTTPClient's and SwiftNIO's failures as the causes an app acts on.
enum AsyncHTTPClientErrors {
    static func cause(of error: any Error) -> NetworkFailure.Cause {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout: return .timedOut
            case .remoteConnectionClosed: return .connectionLost
            default: return .other
            }
        }
        if error is NIOSSLError || error is BoringSSLError { return .tls }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return .timedOut
            case .ioOnClosedChannel, .eof, .alreadyClosed, .outputClosed: return .connectionLost
            default: return .other
            }
        }
        if error is NIOConnectionError { return .cannotConnect }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, EHOSTDOWN: return .cannotConnect
            case ENETUNREACH, ENETDOWN: return .offline
            case ECONNRESET, EPIPE, ECONNABORTED: return .connectionLost
            case ETIMEDOUT: return .timedOut
            default: return .other
            }
        }
        return .other
    }
}
