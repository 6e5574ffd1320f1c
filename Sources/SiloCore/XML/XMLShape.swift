/// Bounds on an XML document's shape, checked by `XMLShape.check` before any XML parser builds a tree.
///
/// XMLCoder builds a node per element and recurses per nesting level, so a small body of deeply nested or
/// very many elements can exhaust the stack or the heap. Both sides use these bounds: the server on request
/// bodies (which may arrive before a request is fully authorized) and the SDK on response bodies.
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

/// A linear, allocation-free scan of an XML document's markup that refuses it before parsing when it is too
/// large, too deep or has too many elements, or when it declares a DTD (no OSS document has one, and entity
/// declarations are how expansion and external-entity attacks start).
///
/// It is a bound, not a validator: a document it passes may still be malformed, and the real parser decides.
/// It never passes a document deeper or larger than the limits, whatever the bytes are.
public enum XMLShape {
    public enum Violation: Error, Sendable, Hashable {
        case tooLarge
        case tooDeep
        case tooManyElements
        case doctype
        case unbalanced
    }

    public static func check(_ bytes: some Collection<UInt8>, limits: XMLLimits) throws(Violation) {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        let result: Violation?? = bytes.withContiguousStorageIfAvailable { scan($0, limits: limits) }
        if let outcome = result {
            if let violation = outcome { throw violation }
            return
        }
        let copy = Array(bytes)
        if let violation = copy.withUnsafeBufferPointer({ scan($0, limits: limits) }) { throw violation }
    }

    private static let lessThan = UInt8(ascii: "<")
    private static let greaterThan = UInt8(ascii: ">")
    private static let slash = UInt8(ascii: "/")
    private static let question = UInt8(ascii: "?")
    private static let bang = UInt8(ascii: "!")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let singleQuote = UInt8(ascii: "'")
    private static let commentOpen = Array("<!--".utf8)
    private static let commentClose = Array("-->".utf8)
    private static let cdataOpen = Array("<![CDATA[".utf8)
    private static let cdataClose = Array("]]>".utf8)
    private static let declarationClose = Array("?>".utf8)
    private static let tagClose = Array(">".utf8)

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, limits: XMLLimits) -> Violation? {
        var depth = 0
        var elements = 0
        var index = 0
        let count = bytes.count

        /// The index just past `terminator` at or after `from`, or nil.
        func skip(past terminator: [UInt8], from: Int) -> Int? {
            var position = from
            let last = count - terminator.count
            while position <= last {
                var matched = true
                for offset in 0..<terminator.count where bytes[position + offset] != terminator[offset] {
                    matched = false
                    break
                }
                if matched { return position + terminator.count }
                position += 1
            }
            return nil
        }

        func hasPrefix(_ text: [UInt8], at position: Int) -> Bool {
            guard position + text.count <= count else { return false }
            for offset in 0..<text.count where bytes[position + offset] != text[offset] { return false }
            return true
        }

        while index < count {
            guard bytes[index] == lessThan else {
                index += 1
                continue
            }
            let next = index + 1
            guard next < count else { return .unbalanced }
            switch bytes[next] {
            case question:
                guard let end = skip(past: declarationClose, from: next + 1) else { return .unbalanced }
                index = end
            case bang:
                if hasPrefix(commentOpen, at: index) {
                    guard let end = skip(past: commentClose, from: index + 4) else { return .unbalanced }
                    index = end
                } else if hasPrefix(cdataOpen, at: index) {
                    guard depth > 0 else { return .unbalanced }
                    guard let end = skip(past: cdataClose, from: index + 9) else {
                        return .unbalanced
                    }
                    index = end
                } else {
                    // <!DOCTYPE, <!ENTITY, <!ELEMENT...: no OSS document declares anything.
                    return .doctype
                }
            case slash:
                depth -= 1
                guard depth >= 0 else { return .unbalanced }
                guard let end = skip(past: tagClose, from: next + 1) else { return .unbalanced }
                index = end
            default:
                elements += 1
                guard elements <= limits.maxElements else { return .tooManyElements }
                // Find the tag's end outside quoted attribute values; `/>` closes it at once.
                var position = next
                var quote: UInt8 = 0
                var closed = false
                var selfClosing = false
                while position < count {
                    let byte = bytes[position]
                    if quote != 0 {
                        if byte == quote { quote = 0 }
                    } else if byte == doubleQuote || byte == singleQuote {
                        quote = byte
                    } else if byte == lessThan {
                        return .unbalanced
                    } else if byte == greaterThan {
                        selfClosing = bytes[position - 1] == slash
                        closed = true
                        break
                    }
                    position += 1
                }
                guard closed else { return .unbalanced }
                if !selfClosing {
                    depth += 1
                    guard depth <= limits.maxDepth else { return .tooDeep }
                }
                index = position + 1
            }
        }
        return depth == 0 ? nil : .unbalanced
    }
}
