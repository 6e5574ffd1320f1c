/// Percent-encoding the way OSS signs and lists: RFC 3986 unreserved bytes pass, everything else is `%XX`.
public enum PercentEncoding {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 encoding; `keepSlash` leaves `/` literal (V4 canonical URIs).
    public static func encode(_ string: String, keepSlash: Bool = false) -> String {
        var needsWork = false
        for byte in string.utf8 where !(isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/"))) {
            needsWork = true
            break
        }
        guard needsWork else { return string }
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count * 3)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; with `plusAsSpace` also `+` (query strings). Nil when an escape is malformed
    /// or the result is not UTF-8.
    public static func decode<S: StringProtocol>(_ string: S, plusAsSpace: Bool = false) -> String? {
        let utf8 = string.utf8
        if !utf8.contains(UInt8(ascii: "%")) && !(plusAsSpace && utf8.contains(UInt8(ascii: "+"))) {
            return String(string)
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
                else { return nil }
                out.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                out.append(UInt8(ascii: " "))
            default:
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// `decode` over a slice of a string's UTF-8 that starts and ends on character boundaries.
    static func decode(utf8: Substring.UTF8View, plusAsSpace: Bool) -> String? {
        decode(Substring(utf8), plusAsSpace: plusAsSpace)
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// One decoded query parameter. `value` is empty for `?acl` and `?acl=` alike; signing treats both as bare names.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String = "") {
        self.name = name
        self.value = value
    }
}

/// The decoded query string, in wire order. Lookup returns the first occurrence.
public struct QueryParameters: Sendable, Hashable {
    public private(set) var items: [QueryItem]

    public init(_ items: [QueryItem] = []) {
        self.items = items
    }

    /// Parses a raw query (without `?`), decoding `+` as space. Nil when an escape is malformed.
    public init?(parsing raw: Substring) {
        // Split on bytes: `&` and `=` are ASCII, so every piece of valid UTF-8 stays valid, and splitting the
        // string itself would walk grapheme clusters (a fifth of an AssumeRole's CPU went there).
        let bytes = raw.utf8
        var items: [QueryItem] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            if start < end {
                let pair = bytes[start..<end]
                let equals = pair.firstIndex(of: UInt8(ascii: "="))
                guard let name = PercentEncoding.decode(utf8: pair[..<(equals ?? end)], plusAsSpace: true) else { return nil }
                var value = ""
                if let equals {
                    guard let decoded = PercentEncoding.decode(utf8: pair[bytes.index(after: equals)...], plusAsSpace: true)
                    else { return nil }
                    value = decoded
                }
                items.append(QueryItem(name, value))
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
        self.items = items
    }

    public subscript(_ name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    public func contains(_ name: String) -> Bool {
        items.contains { $0.name == name }
    }

    /// The value, treating an empty one as absent (oss2 sends `marker=` and `delimiter=` on every listing).
    public func nonEmpty(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    public mutating func append(_ name: String, _ value: String = "") {
        items.append(QueryItem(name, value))
    }

    public var isEmpty: Bool { items.isEmpty }

    /// The canonical form V2 and V4 signatures cover: names and values RFC 3986 encoded, sorted by name then
    /// value, `name` alone when the value is empty, joined by `&`.
    public func canonicalized(excluding excluded: Set<String> = []) -> String {
        items
            .filter { !excluded.contains($0.name) }
            .map { (PercentEncoding.encode($0.name), PercentEncoding.encode($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0
                    ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
                    : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
            }
            .map { $0.1.isEmpty ? $0.0 : $0.0 + "=" + $0.1 }
            .joined(separator: "&")
    }

    /// Renders for a URL: RFC 3986 encoded, in order.
    public var encoded: String {
        items.map { $0.value.isEmpty ? PercentEncoding.encode($0.name) : "\(PercentEncoding.encode($0.name))=\(PercentEncoding.encode($0.value))" }
            .joined(separator: "&")
    }
}
