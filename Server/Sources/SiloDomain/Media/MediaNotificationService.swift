import Foundation
import SiloIAM
import SiloStorage

/// A bucket's media job webhooks: the URL jobs notify when they name no topic, and the HMAC key that signs every
/// media job webhook of the bucket. The key is kept sealed by the master key and bound to the bucket's name, so a
/// copied database or a row moved to another bucket reveals and signs nothing.
public struct MediaNotificationService: Sendable {
    public struct Settings: Sendable, Hashable {
        public var endpoint: String?
        public var hasSecret: Bool

        public init(endpoint: String?, hasSecret: Bool) {
            self.endpoint = endpoint
            self.hasSecret = hasSecret
        }
    }

    /// Long enough to resist guessing, short enough to live in a header-sized config value.
    public static let secretBytes = 16...256

    let buckets: any ObjectStore
    let iam: IAMService

    public init(buckets: any ObjectStore, iam: IAMService) {
        self.buckets = buckets
        self.iam = iam
    }

    public func settings(bucket: String) async throws -> Settings {
        let media = try await configuration(bucket: bucket).media
        return Settings(endpoint: media?.endpoint, hasSecret: media?.sealedSecret != nil)
    }

    /// Replaces the bucket's media job settings; no endpoint and no secret turn them off. The event rules stay.
    public func set(bucket: String, endpoint: String?, secret: String?) async throws {
        if let secret, !Self.secretBytes.contains(secret.utf8.count) {
            throw StorageError.invalidNotification("the webhook secret must be 16 to 256 bytes")
        }
        var configuration = try await configuration(bucket: bucket)
        let sealed = try secret.map { Data(try iam.sealAtRest(Array($0.utf8), context: Self.context(bucket))).base64EncodedString() }
        configuration.media = endpoint == nil && sealed == nil ? nil : MediaNotification(endpoint: endpoint, sealedSecret: sealed)
        let checked = try configuration.validated()
        guard try await buckets.updateBucket(bucket, .notifications(checked.isEmpty ? nil : checked)) else {
            throw StorageError.noSuchBucket(bucket)
        }
    }

    /// The bucket's HMAC key; nil when it has none. A key that does not open (another master key, an altered row)
    /// is an error, not a reason to send the webhook without its HMAC.
    public func secret(bucket: String) async throws -> [UInt8]? {
        guard let record = try await buckets.bucket(bucket), let sealed = record.notifications?.media?.sealedSecret else {
            return nil
        }
        guard let bytes = Data(base64Encoded: sealed), let key = iam.openAtRest(Array(bytes), context: Self.context(bucket)) else {
            throw SealedSecretError.doesNotOpen(bucket: bucket)
        }
        return key
    }

    public enum SealedSecretError: Error, Sendable, Hashable {
        case doesNotOpen(bucket: String)
    }

    private func configuration(bucket: String) async throws -> NotificationConfiguration {
        guard let record = try await buckets.bucket(bucket) else { throw StorageError.noSuchBucket(bucket) }
        return record.notifications ?? NotificationConfiguration(rules: [])
    }

    private static func context(_ bucket: String) -> String { "media-webhook-secret/" + bucket }
}
