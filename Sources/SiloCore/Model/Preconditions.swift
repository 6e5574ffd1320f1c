/// Conditional request headers and their OSS outcome (spec §7.3).
public struct Preconditions: Sendable, Hashable {
    public var ifMatch: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: String?
    public var ifUnmodifiedSince: String?

    public init(ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: String? = nil,
                ifUnmodifiedSince: String? = nil) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
    }

    public enum Outcome: Sendable, Hashable {
        case proceed
        case notModified
        case preconditionFailed
    }

    /// Evaluated in the RFC 9110 order: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since.
    /// An unparsable date is ignored.
    public func evaluate(etag: String, lastModified: Int64) -> Outcome {
        if let ifMatch, !Self.etagList(ifMatch).contains(where: { $0 == "*" || Self.same($0, etag) }) {
            return .preconditionFailed
        }
        if ifMatch == nil, let since = ifUnmodifiedSince.flatMap(Timestamps.parseRFC1123), lastModified > since {
            return .preconditionFailed
        }
        if let ifNoneMatch {
            if Self.etagList(ifNoneMatch).contains(where: { $0 == "*" || Self.same($0, etag) }) { return .notModified }
        } else if let since = ifModifiedSince.flatMap(Timestamps.parseRFC1123), since >= lastModified {
            return .notModified
        }
        return .proceed
    }

    /// For CopyObject's `x-oss-copy-source-if-*`: any failure is a 412.
    public func evaluateForCopy(etag: String, lastModified: Int64) -> Bool {
        evaluate(etag: etag, lastModified: lastModified) == .proceed
    }

    static func etagList(_ header: String) -> [String] {
        header.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }

    /// ETags compare case-insensitively, with or without quotes or a weak prefix.
    public static func same(_ a: String, _ b: String) -> Bool {
        normalize(a) == normalize(b)
    }

    static func normalize(_ etag: String) -> String {
        var value = Substring(etag)
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        if value.hasPrefix("\"") { value = value.dropFirst() }
        if value.hasSuffix("\"") { value = value.dropLast() }
        return value.uppercased()
    }
}
