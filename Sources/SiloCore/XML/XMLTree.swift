/// An XML element as OSS documents use them: a (namespace-free) name, its text, its child elements.
/// Attributes are read for well-formedness and dropped: no OSS document carries data in them.
public struct XMLElement: Sendable, Hashable {
    public var name: String
    /// The element's own character data (entities and CDATA resolved), untrimmed.
    public var text: String
    public var children: [XMLElement]

    public init(name: String, text: String = "", children: [XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }
}

/// Bounds on a document, checked while it is parsed.
///
/// Both sides parse with them: the server its request bodies (some arrive before a request is fully
/// authorized) and the SDK its response bodies.
public struct XMLLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxDepth: Int
    public var maxElements: Int

    public init(maxBytes: Int, maxDepth: Int, maxElements: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    /// Request documents are at most three levels deep (`Delete/Object/Key`, `CORSConfiguration/CORSRule/…`).
    public static func request(maxBytes: Int, maxElements: Int = 4096) -> XMLLimits {
        XMLLimits(maxBytes: maxBytes, maxDepth: 8, maxElements: maxElements)
    }

    /// Responses the SDK reads: a 1,000-entry listing has about 12,000 elements and five levels.
    public static let response = XMLLimits(maxBytes: 16 << 20, maxDepth: 16, maxElements: 200_000)
}

/// Silo's own XML parser: a single linear pass over the bytes into an `XMLElement` tree, with the bounds of
/// `XMLLimits` checked as it goes, no DTDs (so no entity expansion and no external entities), only the five
/// predefined entities and character references, and names of start and end tags matched.
///
/// It replaces Foundation's `XMLParser` (libxml2 under XMLCoder), which leaks memory on every document it
/// rejects (a CFError per error in swift-corelibs-foundation), recurses per nesting level, and cannot be
/// bounded before it has built its tree. Control characters are taken as they come, as OSS takes them in keys.
public enum XMLTree {
    public enum Failure: Error, Sendable, Hashable {
        case tooLarge
        case tooDeep
        case tooManyElements
        /// `<!DOCTYPE`, `<!ENTITY`…: no OSS document declares anything.
        case doctype
        case malformed(String)
    }

    public static func parse(_ bytes: some Collection<UInt8>, limits: XMLLimits) throws(Failure) -> XMLElement {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in
            Result { () throws(Failure) -> XMLElement in
                var parser = Parser(bytes: buffer, limits: limits)
                return try parser.document()
            }
        }) {
            return try result.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            Result { () throws(Failure) -> XMLElement in
                var parser = Parser(bytes: buffer, limits: limits)
                return try parser.document()
            }
        }.get()
    }

    private struct Open {
        var qualifiedName: ArraySlice<UInt8>
        var element: XMLElement
        var text: [UInt8]
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: XMLLimits
        var index = 0
        var elements = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: XMLLimits) {
            self.bytes = bytes
            self.limits = limits
        }

        var atEnd: Bool { index >= bytes.count }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        func hasPrefix(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            return true
        }

        /// Moves past `terminator`, or fails with `what`.
        mutating func skip(past terminator: StaticString, _ what: String) throws(Failure) {
            let count = terminator.utf8CodeUnitCount
            while index + count <= bytes.count {
                if hasPrefix(terminator) {
                    index += count
                    return
                }
                index += 1
            }
            throw .malformed("unterminated \(what)")
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        mutating func skipSpace() {
            while let byte = peek(), Self.isSpace(byte) { index += 1 }
        }

        static func isNameStart(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x3A || byte >= 0x80
        }

        static func isName(_ byte: UInt8) -> Bool {
            isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E
        }

        mutating func name() throws(Failure) -> ArraySlice<UInt8> {
            guard let first = peek(), Self.isNameStart(first) else { throw .malformed("a name was expected") }
            let start = index
            while let byte = peek(), Self.isName(byte) { index += 1 }
            return ArraySlice(bytes[start..<index])
        }

        /// Comments, processing instructions and space, where markup may have them outside elements.
        mutating func skipMisc() throws(Failure) {
            while true {
                skipSpace()
                if hasPrefix("<!--") {
                    index += 4
                    try skip(past: "-->", "comment")
                } else if hasPrefix("<?") {
                    index += 2
                    try skip(past: "?>", "processing instruction")
                } else if hasPrefix("<!") {
                    throw .doctype
                } else {
                    return
                }
            }
        }

        mutating func document() throws(Failure) -> XMLElement {
            if hasPrefix("\u{FEFF}") { index += 3 }
            try skipMisc()
            guard peek() == UInt8(ascii: "<") else { throw .malformed("no root element") }
            var stack: [Open] = []
            let root: XMLElement
            if let selfClosed = try startTag(&stack) {
                root = selfClosed
            } else {
                root = try content(&stack)
            }
            try skipMisc()
            guard atEnd else { throw .malformed("content after the root element") }
            return root
        }

        /// A start tag at `index` (at its `<`): pushed onto `stack`, or returned when it closes itself.
        mutating func startTag(_ stack: inout [Open]) throws(Failure) -> XMLElement? {
            index += 1
            elements += 1
            guard elements <= limits.maxElements else { throw .tooManyElements }
            let qualified = try name()
            let selfClosing = try attributes()
            let element = XMLElement(name: try Self.localName(qualified))
            if selfClosing { return element }
            guard stack.count < limits.maxDepth else { throw .tooDeep }
            stack.append(Open(qualifiedName: qualified, element: element, text: []))
            return nil
        }

        /// Everything inside the open elements of `stack`, until the outermost closes; a loop, not recursion,
        /// so depth costs no stack.
        mutating func content(_ stack: inout [Open]) throws(Failure) -> XMLElement {
            while true {
                guard let byte = peek() else { throw .malformed("the document ends inside an element") }
                if byte == UInt8(ascii: "&") {
                    let scalar = try reference()
                    stack[stack.count - 1].text.append(contentsOf: Array(String(scalar).utf8))
                    continue
                }
                if byte != UInt8(ascii: "<") {
                    let start = index
                    while let next = peek(), next != UInt8(ascii: "<"), next != UInt8(ascii: "&") { index += 1 }
                    stack[stack.count - 1].text.append(contentsOf: bytes[start..<index])
                    continue
                }
                if hasPrefix("<!--") {
                    index += 4
                    try skip(past: "-->", "comment")
                } else if hasPrefix("<![CDATA[") {
                    index += 9
                    let start = index
                    try skip(past: "]]>", "CDATA section")
                    stack[stack.count - 1].text.append(contentsOf: bytes[start..<(index - 3)])
                } else if hasPrefix("<!") {
                    throw .doctype
                } else if hasPrefix("<?") {
                    index += 2
                    try skip(past: "?>", "processing instruction")
                } else if hasPrefix("</") {
                    index += 2
                    let closing = try name()
                    skipSpace()
                    guard peek() == UInt8(ascii: ">") else { throw .malformed("an end tag was not closed") }
                    index += 1
                    guard var open = stack.popLast(), open.qualifiedName.elementsEqual(closing) else {
                        throw .malformed("an end tag does not match its start tag")
                    }
                    open.element.text = try Self.string(open.text)
                    if stack.isEmpty { return open.element }
                    stack[stack.count - 1].element.children.append(open.element)
                } else if let selfClosed = try startTag(&stack) {
                    stack[stack.count - 1].element.children.append(selfClosed)
                }
            }
        }

        /// A start tag's attributes, up to `>` or `/>` (true for the latter). Values are checked, then dropped.
        mutating func attributes() throws(Failure) -> Bool {
            var seen: [ArraySlice<UInt8>] = []
            while true {
                let hadSpace = peek().map(Self.isSpace) ?? false
                skipSpace()
                guard let byte = peek() else { throw .malformed("a start tag was not closed") }
                if byte == UInt8(ascii: ">") {
                    index += 1
                    return false
                }
                if byte == UInt8(ascii: "/") {
                    guard peek(1) == UInt8(ascii: ">") else { throw .malformed("a start tag was not closed") }
                    index += 2
                    return true
                }
                guard hadSpace else { throw .malformed("attributes must be separated by space") }
                let attribute = try name()
                guard !seen.contains(where: { $0.elementsEqual(attribute) }) else { throw .malformed("a repeated attribute") }
                guard seen.count < 64 else { throw .malformed("too many attributes") }
                seen.append(attribute)
                skipSpace()
                guard peek() == UInt8(ascii: "=") else { throw .malformed("an attribute without a value") }
                index += 1
                skipSpace()
                guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    throw .malformed("an attribute value must be quoted")
                }
                index += 1
                while let byte = peek(), byte != quote {
                    if byte == UInt8(ascii: "<") { throw .malformed("'<' in an attribute value") }
                    if byte == UInt8(ascii: "&") {
                        _ = try reference()
                        continue
                    }
                    index += 1
                }
                guard peek() == quote else { throw .malformed("an attribute value was not closed") }
                index += 1
            }
        }

        /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#NN;` `&#xHH;`; anything else names a DTD entity, and there are none.
        mutating func reference() throws(Failure) -> Unicode.Scalar {
            index += 1
            let start = index
            while let byte = peek(), byte != UInt8(ascii: ";") {
                guard index - start < 12 else { throw .malformed("an entity reference is too long") }
                index += 1
            }
            guard peek() == UInt8(ascii: ";") else { throw .malformed("an entity reference was not closed") }
            let body = Array(bytes[start..<index])
            index += 1
            switch body {
            case Array("lt".utf8): return "<"
            case Array("gt".utf8): return ">"
            case Array("amp".utf8): return "&"
            case Array("quot".utf8): return "\""
            case Array("apos".utf8): return "'"
            default: break
            }
            guard body.first == UInt8(ascii: "#"), body.count >= 2 else { throw .malformed("an unknown entity") }
            let hex = body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, let value = UInt32(String(decoding: digits, as: UTF8.self), radix: hex ? 16 : 10),
                value != 0, let scalar = Unicode.Scalar(value)
            else { throw .malformed("an invalid character reference") }
            return scalar
        }

        static func localName(_ qualified: ArraySlice<UInt8>) throws(Failure) -> String {
            let local = qualified.lastIndex(of: UInt8(ascii: ":")).map { qualified[($0 + 1)...] } ?? qualified
            guard !local.isEmpty, let name = String(validating: local, as: UTF8.self) else {
                throw .malformed("an invalid element name")
            }
            return name
        }

        static func string(_ bytes: [UInt8]) throws(Failure) -> String {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("text is not UTF-8") }
            return text
        }
    }
}
