import Crypto
import Foundation

/// The HMAC that signs a bucket's media job webhooks: `x-silo-hmac-sha256: hex(HMAC-SHA256(key, timestamp + "\n" +
/// body))` with the Unix time in `x-silo-timestamp`. The timestamp is inside the MAC, so a receiver that refuses old
/// timestamps refuses replays of captured deliveries; one that also remembers the task ids it has recorded makes a
/// repeated delivery (they come at least once) harmless.
public enum WebhookSignature {
    public static let header = "x-silo-hmac-sha256"
    public static let timestampHeader = "x-silo-timestamp"
    /// Deliveries whose timestamp is further than this from the receiver's clock are refused.
    public static let maxSkewSeconds: Int64 = 300

    public static func sign(key: [UInt8], timestamp: String, body: Data) -> String {
        var message = Data(timestamp.utf8)
        message.append(0x0A)
        message.append(body)
        return Hex.lower(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    public enum Refusal: Error, Sendable, Hashable {
        case missing
        case stale
        case mismatch
    }

    /// Checks a delivery: the timestamp within `maxSkewSeconds` of `now`, and the MAC (compared in constant time).
    public static func verify(key: [UInt8], timestamp: String?, signature: String?, body: Data, now: Int64) throws(Refusal) {
        guard let timestamp, let signature, let sent = Int64(timestamp) else { throw .missing }
        guard abs(now - sent) <= maxSkewSeconds else { throw .stale }
        let expected = Array(sign(key: key, timestamp: timestamp, body: body).utf8)
        let given = Array(signature.lowercased().utf8)
        guard given.count == expected.count else { throw .mismatch }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        guard difference == 0 else { throw .mismatch }
    }
}
