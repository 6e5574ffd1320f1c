import Foundation
import Metrics
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SiloCore
import SiloOutbound
import SiloStorage

/// Delivers the outbox: each pending event, oldest first per key and rule, is POSTed as signed JSON to its
/// rule's endpoint, at least once. A failed delivery is retried with exponential backoff (1 s doubling to an
/// hour) and given up after `maxAttempts`, when it joins the dead letters the admin API lists and replays.
/// Every gateway runs one; claims with a lease keep two from delivering the same event at once.
///
/// Requests go through the callbacks' `OutboundHTTPClient` (checked addresses, no redirects) and carry the
/// storage key's RSA-SHA256 signature of the body, verifiable with the public key that callbacks use.
public struct EventDelivery: Service {
    let events: any EventStore
    let callbacks: CallbackDelivery
    let interval: Duration
    let maxAttempts: Int
    let region: String
    let clock: @Sendable () -> Int64
    let logger: Logger

    public static let signatureHeader = "x-silo-event-signature"
    static let lease: Int64 = 60
    static let batch = 64
    static let maxAnswerBytes = 64 * 1024

    public init(events: any EventStore, callbacks: CallbackDelivery, interval: Duration = .seconds(1), maxAttempts: Int = 10,
                region: String, clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.events = events
        self.callbacks = callbacks
        self.interval = interval
        self.maxAttempts = maxAttempts
        self.region = region
        self.clock = clock
        self.logger = logger
    }

    /// One round: claims what is due and delivers it, several keys at a time; answers how many were delivered.
    @discardableResult
    public func deliverDue() async throws -> Int {
        var delivered = 0
        while true {
            let due = try await events.claimDueEvents(now: clock(), lease: Self.lease, limit: Self.batch)
            if due.isEmpty { return delivered }
            let outcomes = await withTaskGroup(of: (Int64, EventOutcome).self) { group in
                for event in due { group.addTask { (event.sequence, await self.deliver(event)) } }
                var outcomes: [(Int64, EventOutcome)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            for (sequence, outcome) in outcomes {
                try await events.finishEvent(sequence, outcome: outcome)
                let name: String
                switch outcome {
                case .delivered: name = "delivered"; delivered += 1
                case .retry: name = "retry"
                case .dead: name = "dead"
                }
                Counter(label: "silo_event_deliveries_total", dimensions: [("outcome", name)]).increment()
            }
        }
    }

    func deliver(_ stored: StoredEvent) async -> EventOutcome {
        let attempts = stored.attempts + 1
        func failed(_ reason: String) -> EventOutcome {
            if attempts >= maxAttempts { return .dead(attempts: attempts, error: reason) }
            let backoff = min(Int64(1) << min(attempts - 1, 12), 3600)
            return .retry(at: clock() + backoff, attempts: attempts, error: reason)
        }
        guard let url = URL(string: stored.event.endpoint) else { return .dead(attempts: attempts, error: "bad endpoint") }
        guard let signer = callbacks.settings.signer else { return failed("the storage key is missing") }
        let body = Self.body(stored, region: region)
        var headers = HTTPHeaders()
        do {
            headers.add(name: Self.signatureHeader, value: try signer.sign(body, digest: .sha256))
        } catch {
            return failed("signing failed")
        }
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: "silo-events/1")
        headers.add(name: "x-silo-event-sequence", value: String(stored.sequence))
        headers.add(name: "x-oss-pub-key-url", value: Data(callbacks.publicKeyURL().utf8).base64EncodedString())
        let request = OutboundRequest(url: url, method: .POST, headers: headers, body: ByteBuffer(string: body))
        do {
            let response = try await callbacks.settings.client.execute(request, timeout: callbacks.settings.timeout,
                                                                        maxResponseBytes: Self.maxAnswerBytes)
            guard (200..<300).contains(Int(response.status.code)) else { return failed("HTTP \(response.status.code)") }
            return .delivered
        } catch .refused {
            return failed("the endpoint's address is not allowed by the callback policy")
        } catch {
            return failed("\(error)")
        }
    }

    /// The JSON an endpoint receives: the shape of OSS's (and S3's) event messages, one record per event.
    static func body(_ stored: StoredEvent, region: String) -> String {
        let event = stored.event
        var object: [String: Any] = ["key": event.key, "sequencer": String(format: "%016llX", stored.sequence)]
        if let size = event.size { object["size"] = size }
        if let etag = event.etag { object["eTag"] = etag }
        let record: [String: Any] = [
            "eventVersion": "1.0", "eventSource": "acs:oss", "eventName": event.name, "region": region,
            "eventTime": Timestamps.iso8601(unixSeconds: event.time), "ruleId": event.ruleId,
            "oss": ["bucket": ["name": event.bucket], "object": object],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: ["events": [record]], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await deliverDue()
            } catch {
                logger.error("delivering events failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
