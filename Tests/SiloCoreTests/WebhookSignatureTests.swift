import Foundation
import SiloCore
import Testing

@Suite struct WebhookSignatureTests {
    static let key = Array("0123456789abcdef".utf8)
    static let body = Data(#"{"TaskId":"t"}"#.utf8)

    /// The vector was computed by Python's `hmac.new(key, b"1700000000\n" + body, hashlib.sha256).hexdigest()`.
    @Test func signsTheTimestampAndTheBody() {
        #expect(WebhookSignature.sign(key: Self.key, timestamp: "1700000000", body: Self.body)
                == "f0dda7a0f7c36ea8f9840ace82da4304042c39aef55f5dac4d269d7e7d05c329")
    }

    @Test func acceptsAFreshDeliveryInEitherCase() throws {
        let signature = WebhookSignature.sign(key: Self.key, timestamp: "1700000000", body: Self.body)
        try WebhookSignature.verify(key: Self.key, timestamp: "1700000000", signature: signature, body: Self.body, now: 1_700_000_299)
        try WebhookSignature.verify(key: Self.key, timestamp: "1700000000", signature: signature.uppercased(), body: Self.body,
                                    now: 1_699_999_701)
    }

    @Test func refusesWhatWasNotSignedNowWithTheKey() {
        let signature = WebhookSignature.sign(key: Self.key, timestamp: "1700000000", body: Self.body)
        func refusal(_ timestamp: String?, _ signature: String?, body: Data = Self.body, key: [UInt8] = Self.key, now: Int64 = 1_700_000_000)
            -> WebhookSignature.Refusal?
        {
            do {
                try WebhookSignature.verify(key: key, timestamp: timestamp, signature: signature, body: body, now: now)
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal(nil, signature) == .missing)
        #expect(refusal("1700000000", nil) == .missing)
        #expect(refusal("soon", signature) == .missing)
        #expect(refusal("1700000000", signature, now: 1_700_000_301) == .stale)
        // A replay with a fresh timestamp does not match: the timestamp is inside the MAC.
        #expect(refusal("1700000100", signature, now: 1_700_000_100) == .mismatch)
        #expect(refusal("1700000000", signature, body: Data(#"{"TaskId":"u"}"#.utf8)) == .mismatch)
        #expect(refusal("1700000000", signature, key: Array("another key of 16".utf8)) == .mismatch)
        #expect(refusal("1700000000", String(signature.dropLast())) == .mismatch)
    }
}
