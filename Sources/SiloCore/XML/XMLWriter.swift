/// A minimal, allocation-light XML writer for response documents.
///
/// Response rendering is on the listing hot path (1,000 entries per page), where a generic encoder costs
/// milliseconds; requests and responses are read back with `XMLTree` and `XMLTreeDecoder`.
public final class XMLWriter {
    public private(set) var bytes: [UInt8] = []

    public init(declaration: Bool = true) {
        bytes.reserveCapacity(512)
        if declaration { bytes.append(contentsOf: #"<?xml version="1.0" encoding="UTF-8"?>"#.utf8 + [0x0A]) }
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public func open(_ name: String) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    public func close(_ name: String) {
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    public func element(_ name: String, _ content: () -> Void) {
        open(name)
        content()
        close(name)
    }

    /// `<name>escaped text</name>`
    public func element(_ name: String, _ text: String) {
        open(name)
        appendEscaped(text)
        close(name)
    }

    public func element(_ name: String, _ value: some BinaryInteger) {
        element(name, String(value))
    }

    public func element(_ name: String, _ value: Bool) {
        element(name, value ? "true" : "false")
    }

    /// `<name>&quot;escaped text&quot;</name>`, as an ETag is written, without building the quoted string.
    public func element(_ name: String, quoted text: String) {
        open(name)
        bytes.append(contentsOf: "&quot;".utf8)
        appendEscaped(text)
        bytes.append(contentsOf: "&quot;".utf8)
        close(name)
    }

    /// `<name>2025-01-01T00:00:00.000Z</name>`, formatted in place.
    public func element(_ name: String, iso8601 unixSeconds: Int64) {
        open(name)
        Timestamps.appendISO8601(unixSeconds: unixSeconds, to: &bytes)
        close(name)
    }

    /// Bytes another writer produced (a fragment repeated on every entry of a page, rendered once).
    func append(fragment: [UInt8]) {
        bytes.append(contentsOf: fragment)
    }

    /// Room for `count` more bytes, so a page's document grows once instead of doubling its way up.
    func reserve(_ count: Int) {
        bytes.reserveCapacity(bytes.count + count)
    }

    /// Emits the element only when there is a value.
    public func optional(_ name: String, _ text: String?) {
        if let text { element(name, text) }
    }

    func appendEscaped(_ text: String) {
        // Most text (keys, ETags, dates) has nothing to escape: one bulk append instead of one per byte, each of
        // which pays the class property's exclusivity check.
        var text = text
        text.withUTF8 { appendEscaped($0) }
    }

    private func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard utf8.contains(where: Self.needsEscaping) else {
            bytes.append(contentsOf: utf8)
            return
        }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): escaped.append(contentsOf: "&apos;".utf8)
            default: escaped.append(byte)
            }
        }
        bytes.append(contentsOf: escaped)
    }

    static func needsEscaping(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}

/// A document the server sends as `application/xml`.
public protocol XMLRenderable: Sendable {
    func render(into writer: XMLWriter)
}

extension XMLRenderable {
    public func xmlBytes() -> [UInt8] {
        let writer = XMLWriter()
        render(into: writer)
        return writer.bytes
    }

    public func xmlString() -> String { String(decoding: xmlBytes(), as: UTF8.self) }
}

/// `encoding-type=url` for listing fields: RFC 3986, so clients' `unquote` reverses it exactly.
public enum EncodingType: String, Sendable {
    case url

    public init?(query value: String?) {
        guard let value, value.lowercased() == "url" else { return nil }
        self = .url
    }

    public static func apply(_ encoding: EncodingType?, _ text: String) -> String {
        encoding == .url ? PercentEncoding.encode(text) : text
    }
}
