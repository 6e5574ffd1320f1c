import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import SiloHTTP

/// `--metrics-address`: a separate listener (keep it off the public interface) with `/metrics` in Prometheus text
/// format, `/healthz` and `/readyz`. The Prometheus factory is bootstrapped once per process, so the counters that
/// the front ends and services keep through swift-metrics land in its registry.
enum MetricsListener {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latencies from a millisecond to a minute.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    static func application(address: String, readiness: Readiness?, logger: Logger,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void) throws -> some ApplicationProtocol {
        let (host, port) = try ServerCommand.split(address, option: "--metrics-address")
        let registry = Self.registry
        let router = Router()
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        for path in Readiness.paths {
            router.get(RouterPath(path)) { _, _ in
                if path == "healthz" || readiness == nil { return Response(status: .ok) }
                return await readiness?.respond(path: path, isHead: false) ?? Response(status: .ok)
            }
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Silo-Metrics"),
                           onServerRunning: onServerRunning, logger: logger)
    }
}
