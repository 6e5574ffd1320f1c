import ArgumentParser
import Foundation
import SiloClient
import SiloCore
import SiloIAM

/// `silo events ...`: a bucket's event notification rules and its dead letters, through the admin API.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Bucket event notifications (webhooks): rules, dead letters, replay.",
        subcommands: [Show.self, Set.self, Off.self, Dead.self, Replay.self, MediaShow.self, MediaSet.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a bucket's notification rules.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        func run() async throws {
            try await options.run(AdminAPI.getBucketNotification, path: BucketPath(bucket: bucket)) {
                table(($0 as? [String: Any])?["rules"] ?? [], ["id", "events", "prefix", "suffix", "endpoint"])
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a bucket's notification rules with one rule.",
            discussion: "silo events set photos --id new-photos --event 'ObjectCreated:*' --prefix users/ --url https://app.example.com/v1/events")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        @Option(help: "The rule's id.") var id: String
        @Option(help: "An event name or pattern (repeat for several): ObjectCreated:*, ObjectRemoved:*, ObjectCreated:Put, ...")
        var event: [String] = ["*"]
        @Option(help: "Only keys starting with this.") var prefix: String?
        @Option(help: "Only keys ending with this.") var suffix: String?
        @Option(help: "The webhook URL events are POSTed to.") var url: String
        func run() async throws {
            let rule = AdminNotificationRule(id: id, events: event, prefix: prefix, suffix: suffix, endpoint: url)
            try await options.run(AdminAPI.putBucketNotification, path: BucketPath(bucket: bucket),
                                  body: AdminNotificationConfiguration(rules: [rule]))
        }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a bucket's notification rules.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        func run() async throws {
            try await options.run(AdminAPI.putBucketNotification, path: BucketPath(bucket: bucket),
                                  body: AdminNotificationConfiguration(rules: []))
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bucket's events whose delivery was given up.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        func run() async throws {
            try await options.run(AdminAPI.listDeadEvents, path: BucketPath(bucket: bucket)) {
                table($0, ["sequence", "eventName", "key", "ruleId", "attempts", "lastError"])
            }
        }
    }

    struct MediaShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "media-show", abstract: "Print where a bucket's media jobs announce their end.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        func run() async throws {
            try await options.run(AdminAPI.getBucketMediaNotification, path: BucketPath(bucket: bucket)) {
                fields($0, ["endpoint", "hasSecret"])
            }
        }
    }

    struct MediaSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "media-set",
            abstract: "Replace a bucket's media job webhook settings (no options: turn them off).",
            discussion: """
                silo events media-set videos --url https://app.example.com/v1/media/notify --generate-secret
                prints the new HMAC key once; give it to the receiver (the app server's media_notify.secret).
                """)
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        @Option(help: "Where jobs that name no notify topic of their own POST their end.") var url: String?
        @Option(help: "The HMAC-SHA256 key (16-256 bytes) the bucket's media job webhooks are signed with.") var secret: String?
        @Flag(help: "Make a new random key, set it, and print it once.") var generateSecret = false

        func validate() throws {
            if secret != nil && generateSecret { throw ValidationError("Give --secret or --generate-secret, not both.") }
        }

        func run() async throws {
            let key = generateSecret ? RandomText.alphanumeric(43) : secret
            try await options.run(AdminAPI.putBucketMediaNotification, path: BucketPath(bucket: bucket),
                                  body: AdminMediaNotification(endpoint: url, secret: key))
            if generateSecret, let key { print("secret: \(key)") }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver a bucket's dead events again.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "Bucket.") var bucket: String
        func run() async throws {
            try await options.run(AdminAPI.replayDeadEvents, path: BucketPath(bucket: bucket)) { fields($0, ["replayed"]) }
        }
    }
}
