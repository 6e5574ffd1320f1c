import Foundation
import Hummingbird
import SiloCore

extension ConsoleFrontEnd {
    /// Version, uptime, storage used, the workers' queues and the webhooks given up; the server's request counters
    /// need the admin API's GetServerStats, so the page shows what that key may see.
    func addHealthRoutes(to router: Router<ConsoleContext>) {
        router.get("/health") { request, context in
            let session = try self.session(request)
            let caller = self.caller(session, context, request)
            let stats = try await oss.admin(AdminAPI.getServerStats, path: NoPathParameters(), body: AdminEmpty(), caller: caller)
            var objects: Int64 = 0
            var bytes: Int64 = 0
            var dead = 0
            let (buckets, more) = try await domain.buckets.list(prefix: "", after: "", limit: Self.bucketsPerPage)
            for bucket in buckets {
                let statistics = try await domain.buckets.statistics(bucket.name).objects
                objects += statistics.objectCount
                bytes += statistics.totalSize
                dead += try await domain.events.deadEvents(bucket: bucket.name, limit: 1000).count
            }
            let uptime = now - startedAt
            func load(_ value: (pending: Int, limit: Int)?) -> String {
                value.map { "\($0.pending) waiting or running (at most \($0.limit))" } ?? "off"
            }
            return page("Health", "health", [
                "version": version,
                "uptime": "\(uptime / 86400) d \(uptime % 86400 / 3600) h \(uptime % 3600 / 60) min",
                "buckets": String(buckets.count) + (more ? "+" : ""), "objects": String(objects), "used": Self.size(bytes),
                "inFlight": stats.inFlight, "peak": stats.peak, "served": stats.served,
                "imageWorkers": load(domain.images.workers?.load), "mediaWorkers": load(domain.media.workers?.load),
                "deadEvents": String(dead),
                "callbackFailures": domain.callbacks.failures.since(now - 3600).prefix(20).map {
                    ["time": Self.time($0.time), "object": $0.bucket + "/" + $0.key, "reason": $0.reason]
                },
            ], session: session)
        }
    }
}
