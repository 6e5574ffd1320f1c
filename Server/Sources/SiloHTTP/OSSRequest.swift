import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import SiloCore
import SiloStorage

/// A request as the OSS API sees it: logical bucket and key (from path-style or virtual-hosted addressing),
/// decoded query, and headers.
struct OSSRequest: Sendable {
    let method: HTTPRequest.Method
    let host: String
    let bucket: String?
    let key: String?
    let query: QueryParameters
    let headers: HTTPFields
    let requestId: String

    /// The request as signatures cover it. HTTPTypes moves `Host` into the authority; V4 may sign it.
    var signing: SigningRequest {
        var fields = headers
        if !host.isEmpty && fields[HTTPField.Name.hostHeader] == nil { fields[HTTPField.Name.hostHeader] = host }
        return SigningRequest(method: method.rawValue, bucket: bucket, key: key, query: query, headers: fields)
    }

    func header(_ name: HTTPField.Name) -> String? { headers[name] }

    func header(_ name: String) -> String? {
        guard let fieldName = HTTPField.Name(name) else { return nil }
        return headers[fieldName]
    }

    var isHead: Bool { method == .head }

    /// The `versionId` a request names, nil when it names none. Present but not a version id (empty included):
    /// InvalidArgument, before anything is looked up.
    func versionId() throws(OSSError) -> String? {
        guard query.contains("versionId") else { return nil }
        let value = query["versionId"] ?? ""
        guard VersionID.isWellFormed(value) else {
            throw OSSError.invalidArgument("Invalid version id specified", name: "versionId", value: value)
        }
        return value
    }

    /// Signed in its URL (V1 `Signature`, V4 `x-oss-signature`) rather than in an Authorization header.
    var isPresigned: Bool {
        header(.authorization) == nil && (query.contains("Signature") || query.contains("x-oss-signature"))
    }

    /// Parses the request target. Errors are protocol errors, never crashes.
    static func parse(_ request: Request, settings: ServerSettings, requestId: String) throws(OSSError) -> OSSRequest {
        let target = request.head.path ?? "/"
        let rawPath: Substring
        let rawQuery: Substring
        if let question = target.firstIndex(of: "?") {
            rawPath = target[..<question]
            rawQuery = target[target.index(after: question)...]
        } else {
            rawPath = Substring(target)
            rawQuery = ""
        }
        guard let query = QueryParameters(parsing: rawQuery) else {
            throw .invalidArgument("The query string is not properly percent-encoded.")
        }
        // The path is decoded once: `%2F` becomes `/`, and a decoded `?` is part of the key.
        guard let path = PercentEncoding.decode(rawPath) else {
            throw .invalidArgument("The request path is not properly percent-encoded or not UTF-8.")
        }
        let host = request.head.authority ?? request.headers[HTTPField.Name.hostHeader] ?? ""
        let hostName = Self.hostName(host)
        var bucket: String?
        var key: String?
        if let domainBucket = Self.virtualHostBucket(hostName, domains: settings.virtualHostDomains) {
            bucket = domainBucket
            let rest = path.hasPrefix("/") ? String(path.dropFirst()) : path
            key = rest.isEmpty ? nil : rest
        } else {
            var rest = Substring(path.hasPrefix("/") ? String(path.dropFirst()) : path)
            if !rest.isEmpty {
                if let slash = rest.firstIndex(of: "/") {
                    bucket = String(rest[..<slash])
                    rest = rest[rest.index(after: slash)...]
                    key = rest.isEmpty ? nil : String(rest)
                } else {
                    bucket = String(rest)
                }
            }
        }
        return OSSRequest(
            method: request.method, host: host, bucket: bucket, key: key, query: query, headers: request.headers,
            requestId: requestId)
    }

    static func hostName(_ host: String) -> String {
        if host.hasPrefix("[") { return host }  // IPv6 literal: never a bucket host
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]).lowercased() }
        return host.lowercased()
    }

    static func virtualHostBucket(_ hostName: String, domains: [String]) -> String? {
        for domain in domains where hostName.hasSuffix("." + domain) {
            let bucket = hostName.dropLast(domain.count + 1)
            if !bucket.isEmpty && !bucket.contains(".") { return String(bucket) }
        }
        return nil
    }
}

/// Request ids: 24 upper-case hex characters, as OSS issues them, unique without a random draw per request (two
/// `getrandom` calls each were 1.5% of a small GET's CPU): the second it was made (4 bytes), a tag drawn once per
/// process (3 bytes, so gateways sharing logs differ) and the process's request count (5 bytes, wrapping after
/// 2^40 requests, years at any rate this server reaches, and then in another second).
enum RequestIdentifier {
    private static let processTag: UInt32 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next() as UInt32
    }()
    private static let count = NIOLockedValueBox<UInt64>(0)

    static func make(now: Int64 = Int64(Date().timeIntervalSince1970)) -> String {
        let sequence = count.withLockedValue { count in
            count &+= 1
            return count
        }
        return make(second: UInt32(truncatingIfNeeded: now), tag: processTag, sequence: sequence)
    }

    static func make(second: UInt32, tag: UInt32, sequence: UInt64) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: UInt64, nibbles: Int, at start: Int) {
                for index in 0..<nibbles {
                    buffer[start + index] = digits[Int(truncatingIfNeeded: value >> UInt64(4 * (nibbles - 1 - index))) & 0xF]
                }
            }
            put(UInt64(second), nibbles: 8, at: 0)
            put(UInt64(tag & 0xFF_FFFF), nibbles: 6, at: 8)
            put(sequence & 0xFF_FFFF_FFFF, nibbles: 10, at: 14)
            return 24
        }
    }
}

extension HTTPField.Name {
    static let hostHeader = HTTPField.Name("Host")!
}
