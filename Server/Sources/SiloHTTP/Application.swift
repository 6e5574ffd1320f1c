import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTPTypes
import ServiceLifecycle
import SiloIAM

/// Builds the OSS HTTP application; `silo server` and the tests both start it this way.
public enum SiloApplication {
    public static func make(
        frontEnd: OSSFrontEnd, host: String, port: Int, logger: Logger, services: [any Service] = [],
        tls: ServingCertificate? = nil, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "AliyunOSS", backlog: 1024)
        return Application(
            responder: OSSResponder(frontEnd: frontEnd),
            server: try server(tls: tls),
            configuration: configuration,
            services: services,
            onServerRunning: onServerRunning,
            logger: logger)
    }
}

extension SiloApplication {
    /// The STS API on its own listener.
    public static func makeSTS(
        iam: IAMService, clock: @escaping @Sendable () -> Int64, host: String, port: Int, logger: Logger,
        tls: ServingCertificate? = nil, readiness: Readiness? = nil, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        Application(
            responder: STSResponder(iam: iam, clock: clock, readiness: readiness),
            server: try server(tls: tls),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Silo-STS"),
            onServerRunning: onServerRunning,
            logger: logger)
    }
}

extension SiloApplication {
    /// HTTP/1.1, behind TLS when a certificate is given.
    static func server(tls: ServingCertificate?) throws -> HTTPServerBuilder {
        let http = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ConnectionTuning()],
                                                                idleTimeout: .seconds(300)))
        guard let tls else { return http }
        return try .tls(http, tlsConfiguration: tls.serverConfiguration())
    }
}

/// Per-connection tuning: TCP_NODELAY so small responses never wait on Nagle, `100 Continue` for clients that
/// send `Expect: 100-continue` (iOS, Android, Java), and the sendfile path for object bodies.
final class ConnectionTuning: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func handlerAdded(context: ChannelHandlerContext) {
        _ = context.channel.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        SendfileHandler.install(in: context.pipeline.syncOperations)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if head.headerFields[.expect]?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        if Self.declaresUnreadBody(head) {
            // A GET that declares a body it never sends (oss2's presigned replay with Content-Length) would leave
            // the decoder waiting for bytes that are really the next request: answer it, then close.
            head.headerFields[.connection] = "close"
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// Methods whose handlers never read a body, carrying a non-zero Content-Length.
    static func declaresUnreadBody(_ head: HTTPRequest) -> Bool {
        switch head.method {
        case .get, .head, .delete, .options:
            guard let length = head.headerFields[.contentLength].flatMap(Int.init) else { return false }
            return length > 0
        default:
            return false
        }
    }
}
