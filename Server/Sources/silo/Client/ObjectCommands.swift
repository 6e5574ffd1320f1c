import ArgumentParser
import Foundation
import SiloClient
import SiloCore

/// `silo mb oss://bucket`
struct MakeBucketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mb", abstract: "Create a bucket.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "oss://bucket") var target: String
    @Option(help: "private, public-read or public-read-write.") var acl: String?

    func run() async throws {
        guard case .remote(let bucket, _) = try Location(target) else { throw ValidationError("mb needs oss://bucket") }
        let acl = try acl.map { value -> BucketACL in
            guard let parsed = BucketACL(rawValue: value) else { throw ValidationError("unknown ACL \(value)") }
            return parsed
        }
        let client = try options.makeClient()
        try await reportingErrors { try await client.bucket(bucket).create(acl: acl) }
        try await client.shutdown()
        if options.json { printJSON(["bucket": bucket, "created": true]) } else { print("created oss://\(bucket)") }
    }
}

/// `silo ls [oss://bucket[/prefix]] [-r]`
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List buckets, or objects under a prefix.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "oss://bucket[/prefix]; none lists the buckets.") var target: String?
    @Flag(name: .shortAndLong, help: "Everything under the prefix, not one level.") var recursive = false

    func run() async throws {
        let client = try options.makeClient()
        defer { Task { try? await client.shutdown() } }
        guard let target else {
            let buckets = try await reportingErrors { try await client.listBuckets() }
            for bucket in buckets {
                let created = Timestamps.iso8601(unixSeconds: bucket.creationDate)
                if options.json { printJSON(["name": bucket.name, "created": created, "region": bucket.location.region]) }
                else { print("\(created)  oss://\(bucket.name)") }
            }
            return
        }
        guard case .remote(let bucket, let prefix) = try Location(target) else { throw ValidationError("ls needs oss://bucket") }
        try await reportingErrors {
            for try await entry in client.bucket(bucket).list(prefix: prefix, delimiter: recursive ? nil : "/") {
                switch entry {
                case .object(let object):
                    let modified = Timestamps.iso8601(unixSeconds: object.lastModified)
                    if options.json {
                        printJSON(["key": object.key, "size": object.size, "etag": object.etag, "last_modified": modified])
                    } else {
                        print("\(modified)  \(String(repeating: " ", count: max(0, 12 - String(object.size).count)))\(object.size)  oss://\(bucket)/\(object.key)")
                    }
                case .commonPrefix(let prefix):
                    if options.json { printJSON(["prefix": prefix]) }
                    else { print("\(String(repeating: " ", count: 24))         DIR  oss://\(bucket)/\(prefix)") }
                }
            }
        }
    }
}

/// `silo rm oss://bucket/key [-r]`
struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an object, or every object under a prefix.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "oss://bucket/key") var target: String
    @Flag(name: .shortAndLong, help: "Delete everything under the prefix.") var recursive = false

    func run() async throws {
        guard case .remote(let name, let key) = try Location(target) else { throw ValidationError("rm needs oss://bucket/key") }
        let client = try options.makeClient()
        defer { Task { try? await client.shutdown() } }
        let bucket = client.bucket(name)
        let deleted: [String] = try await reportingErrors {
            if !recursive {
                guard !key.isEmpty else { throw ValidationError("rm needs a key, or -r for a prefix") }
                try await bucket.delete(key)
                return [key]
            }
            var keys: [String] = []
            for try await entry in bucket.list(prefix: key) {
                if case .object(let object) = entry { keys.append(object.key) }
            }
            return try await bucket.delete(keys: keys)
        }
        if options.json { printJSON(["deleted": deleted]) } else { for key in deleted { print("deleted oss://\(name)/\(key)") } }
    }
}

/// `silo presign oss://bucket/key`
struct PresignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presign", abstract: "Print a presigned URL.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "oss://bucket/key") var target: String
    @Option(help: "Lifetime in seconds (capped by the credentials' own expiry).") var expires = 3600
    @Option(help: "HTTP method the URL allows.") var method = "GET"
    @Option(help: "x-oss-process to sign into the URL, e.g. image/resize,w_200.") var process: String?

    func run() async throws {
        guard case .remote(let name, let key) = try Location(target), !key.isEmpty else {
            throw ValidationError("presign needs oss://bucket/key")
        }
        let client = try options.makeClient()
        defer { Task { try? await client.shutdown() } }
        let url = try await reportingErrors {
            try await client.bucket(name).presignedURL(key, method: .init(method.uppercased()) ?? .get,
                                                       expiresIn: .seconds(expires),
                                                       query: process.map { ["x-oss-process": $0] } ?? [:])
        }
        if options.json { printJSON(["url": url.absoluteString]) } else { print(url.absoluteString) }
    }
}

/// `silo cat oss://bucket/key`: streams the object to stdout.
struct CatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cat", abstract: "Write an object to standard output.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "oss://bucket/key") var target: String

    func run() async throws {
        guard case .remote(let name, let key) = try Location(target), !key.isEmpty else {
            throw ValidationError("cat needs oss://bucket/key")
        }
        let client = try options.makeClient()
        defer { Task { try? await client.shutdown() } }
        try await reportingErrors {
            let download = try await client.bucket(name).stream(key)
            do {
                for try await chunk in download.bytes { FileHandle.standardOutput.write(chunk) }
            } catch {
                throw RetryMiddlewareMapping.map(error)
            }
        }
    }
}

/// Errors from iterating a body arrive as `OSSClientError` already; anything else is reported as network.
enum RetryMiddlewareMapping {
    static func map(_ error: any Error) -> OSSClientError {
        (error as? OSSClientError) ?? .transport(NetworkFailure(.other, String(describing: error)))
    }
}
