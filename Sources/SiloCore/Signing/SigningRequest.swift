import HTTPTypes

/// What a signature covers: the logical bucket and key (never the Host), decoded query and headers.
///
/// Both sides use it: the server builds it from the wire, the SDK from the request it is about to send.
public struct SigningRequest: Sendable {
    public var method: String
    public var bucket: String?
    public var key: String?
    public var query: QueryParameters
    public var headers: HTTPFields

    public init(method: String, bucket: String?, key: String?, query: QueryParameters = .init(), headers: HTTPFields = [:]) {
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
    }

    /// The header's value, several values joined by `,`.
    public func header(_ name: String) -> String? {
        guard let fieldName = HTTPField.Name(name) else { return nil }
        let values = headers[values: fieldName]
        guard !values.isEmpty else { return nil }
        return values.count == 1 ? values[0] : values.joined(separator: ",")
    }

    /// Lower-cased names and trimmed values of the headers that pass `include`, sorted by name, merged by name.
    func canonicalHeaders(where include: (String) -> Bool) -> [(name: String, value: String)] {
        var merged: [String: String] = [:]
        for field in headers {
            let name = field.name.canonicalName
            guard include(name) else { continue }
            let value = field.value.trimmingASCIIWhitespace()
            if let existing = merged[name] {
                merged[name] = existing + "," + value
            } else {
                merged[name] = value
            }
        }
        return merged.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        // Most values have nothing to trim.
        let bytes = Substring(self).utf8
        if let first = bytes.first, let last = bytes.last, first != 0x20, first != 0x09, last != 0x20, last != 0x09 {
            return String(self)
        }
        let scalars = Substring(self).unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard scalars[before] == " " || scalars[before] == "\t" else { break }
            end = before
        }
        return String(Substring.UnicodeScalarView(scalars[start..<end]))
    }
}
