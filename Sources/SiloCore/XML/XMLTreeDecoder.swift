/// Decodes `Decodable` values from an `XMLElement` tree, the way OSS documents map to types: a keyed container
/// is an element's children by name, repeated children are an array, and a leaf's text is its value (untrimmed).
struct XMLTreeDecoder: Decoder {
    /// The elements this decoder stands for: one, or all same-named siblings (an array's elements).
    let elements: [XMLElement]
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ elements: [XMLElement], codingPath: [any CodingKey] = []) {
        self.elements = elements
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let element = elements.first else {
            throw DecodingError.valueNotFound(XMLElement.self, .init(codingPath: codingPath, debugDescription: "no element"))
        }
        return KeyedDecodingContainer(Keyed<Key>(element: element, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        Unkeyed(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard let element = elements.first else {
            throw DecodingError.valueNotFound(String.self, .init(codingPath: codingPath, debugDescription: "no element"))
        }
        return Single(element: element, codingPath: codingPath)
    }

    /// A leaf's text; an element with child elements is not a value.
    static func text(_ element: XMLElement, _ codingPath: [any CodingKey]) throws -> String {
        guard element.children.isEmpty else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: codingPath,
                                                                debugDescription: "\(element.name) has child elements"))
        }
        return element.text
    }

    static func value<T: LosslessStringConvertible>(_ type: T.Type, _ element: XMLElement, _ codingPath: [any CodingKey])
        throws -> T
    {
        let text = try Self.text(element, codingPath)
        guard let value = T(String(text.trimmingWhitespace)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "not a \(T.self): \(text)"))
        }
        return value
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let element: XMLElement
        let codingPath: [any CodingKey]

        var allKeys: [Key] {
            var seen: Set<String> = []
            return element.children.compactMap { child in
                seen.insert(child.name).inserted ? Key(stringValue: child.name) : nil
            }
        }

        func children(_ key: Key) -> [XMLElement] { element.children.filter { $0.name == key.stringValue } }

        func first(_ key: Key) throws -> XMLElement {
            guard let child = element.children.first(where: { $0.name == key.stringValue }) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no \(key.stringValue)"))
            }
            return child
        }

        func contains(_ key: Key) -> Bool { element.children.contains { $0.name == key.stringValue } }
        /// Present elements are never nil: an empty `<Prefix/>` is the empty string.
        func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }

        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try XMLTreeDecoder.text(try first(key), codingPath + [key])
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try XMLTreeDecoder.value(Bool.self, try first(key), codingPath + [key])
        }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try XMLTreeDecoder.value(Int.self, try first(key), codingPath + [key])
        }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try XMLTreeDecoder.value(Int64.self, try first(key), codingPath + [key])
        }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            try XMLTreeDecoder.value(UInt64.self, try first(key), codingPath + [key])
        }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try XMLTreeDecoder.value(Double.self, try first(key), codingPath + [key])
        }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let matching = children(key)
            guard !matching.isEmpty else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no \(key.stringValue)"))
            }
            return try T(from: XMLTreeDecoder(matching, codingPath: codingPath + [key]))
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            KeyedDecodingContainer(Keyed<NestedKey>(element: try first(key), codingPath: codingPath + [key]))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            Unkeyed(elements: children(key), codingPath: codingPath + [key])
        }
        func superDecoder() throws -> any Decoder { XMLTreeDecoder([element], codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { XMLTreeDecoder(children(key), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [XMLElement]
        let codingPath: [any CodingKey]
        var currentIndex = 0

        init(elements: [XMLElement], codingPath: [any CodingKey]) {
            self.elements = elements
            self.codingPath = codingPath
        }

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        mutating func next() throws -> XMLElement {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(XMLElement.self, .init(codingPath: codingPath, debugDescription: "past the end"))
            }
            defer { currentIndex += 1 }
            return elements[currentIndex]
        }

        mutating func decodeNil() throws -> Bool { false }
        mutating func decode(_ type: String.Type) throws -> String { try XMLTreeDecoder.text(try next(), codingPath) }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try XMLTreeDecoder.value(Bool.self, try next(), codingPath) }
        mutating func decode(_ type: Int.Type) throws -> Int { try XMLTreeDecoder.value(Int.self, try next(), codingPath) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try XMLTreeDecoder.value(Int64.self, try next(), codingPath) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try T(from: XMLTreeDecoder([try next()], codingPath: codingPath))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            KeyedDecodingContainer(Keyed<NestedKey>(element: try next(), codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            Unkeyed(elements: try next().children, codingPath: codingPath)
        }
        mutating func superDecoder() throws -> any Decoder { XMLTreeDecoder([try next()], codingPath: codingPath) }
    }

    struct Single: SingleValueDecodingContainer {
        let element: XMLElement
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { false }
        func decode(_ type: String.Type) throws -> String { try XMLTreeDecoder.text(element, codingPath) }
        func decode(_ type: Bool.Type) throws -> Bool { try XMLTreeDecoder.value(Bool.self, element, codingPath) }
        func decode(_ type: Int.Type) throws -> Int { try XMLTreeDecoder.value(Int.self, element, codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try XMLTreeDecoder.value(Int64.self, element, codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try XMLTreeDecoder.value(Double.self, element, codingPath) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: XMLTreeDecoder([element], codingPath: codingPath)) }
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
