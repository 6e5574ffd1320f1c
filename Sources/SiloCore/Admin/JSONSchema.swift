import Foundation

/// A JSON Schema (the OpenAPI 3.0 subset), derived from a value by encoding it: the types' own `Codable`
/// conformance is the one declaration of their shape.
public indirect enum JSONSchema: Sendable, Hashable {
    case string
    case integer
    case number
    case boolean
    case array(JSONSchema)
    /// Properties in encoding order; `required` are those encoded with `encode` rather than `encodeIfPresent`.
    case object([Property])
    /// A dictionary with string keys.
    case map(JSONSchema)
    case any

    public struct Property: Sendable, Hashable {
        public var name: String
        public var schema: JSONSchema
        public var required: Bool
    }

    /// The schema of `example`'s encoding. Optional fields must be set in the example to appear.
    public static func of(_ example: some Encodable) -> JSONSchema {
        let recorder = SchemaRecorder()
        do {
            try example.encode(to: recorder)
        } catch {
            return .any
        }
        return recorder.schema ?? .object([])
    }

    /// The schema as a JSON-compatible value.
    public var json: [String: Any] {
        switch self {
        case .string: return ["type": "string"]
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .any: return [:]
        case .array(let items): return ["type": "array", "items": items.json]
        case .map(let values): return ["type": "object", "additionalProperties": values.json]
        case .object(let properties):
            var object: [String: Any] = ["type": "object"]
            var schemas: [String: Any] = [:]
            for property in properties { schemas[property.name] = property.schema.json }
            object["properties"] = schemas
            let required = properties.filter(\.required).map(\.name)
            if !required.isEmpty { object["required"] = required }
            return object
        }
    }
}

/// Marks dictionaries, whose keys are data rather than properties.
private protocol StringKeyedDictionary {
    var anyValues: [Any] { get }
}

extension Dictionary: StringKeyedDictionary where Key == String {
    fileprivate var anyValues: [Any] { Array(values) }
}

/// An `Encoder` that writes no bytes, only the shape of what it is given.
private final class SchemaRecorder: Encoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var schema: JSONSchema?
    private var properties: [JSONSchema.Property] = []
    private var elements: [JSONSchema] = []

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed<Key>(recorder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(recorder: self) }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(recorder: self) }

    static func schema(of value: some Encodable) throws -> JSONSchema {
        if let dictionary = value as? any StringKeyedDictionary {
            guard let first = dictionary.anyValues.first as? any Encodable else { return .map(.any) }
            return .map(try schema(of: first))
        }
        switch value {
        case is String, is Substring: return .string
        case is Bool: return .boolean
        case is Int, is Int8, is Int16, is Int32, is Int64, is UInt, is UInt8, is UInt16, is UInt32, is UInt64: return .integer
        case is Double, is Float: return .number
        default: break
        }
        let nested = SchemaRecorder()
        try value.encode(to: nested)
        return nested.schema ?? .any
    }

    func addProperty(_ name: String, _ schema: JSONSchema, required: Bool) {
        properties.removeAll { $0.name == name }
        properties.append(JSONSchema.Property(name: name, schema: schema, required: required))
        self.schema = .object(properties)
    }

    func addElement(_ schema: JSONSchema) {
        elements.append(schema)
        self.schema = .array(elements.first ?? .any)
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { recorder.codingPath }

        init(recorder: SchemaRecorder) {
            self.recorder = recorder
            if recorder.schema == nil { recorder.schema = .object([]) }
        }

        mutating func encodeNil(forKey key: Key) throws { recorder.addProperty(key.stringValue, .any, required: false) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            recorder.addProperty(key.stringValue, try SchemaRecorder.schema(of: value), required: true)
        }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { recorder.addProperty(key.stringValue, try SchemaRecorder.schema(of: value), required: false) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if value != nil { recorder.addProperty(key.stringValue, .string, required: false) }
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if value != nil { recorder.addProperty(key.stringValue, .boolean, required: false) }
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if value != nil { recorder.addProperty(key.stringValue, .integer, required: false) }
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            if value != nil { recorder.addProperty(key.stringValue, .integer, required: false) }
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if value != nil { recorder.addProperty(key.stringValue, .number, required: false) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = SchemaRecorder()
            defer { recorder.addProperty(key.stringValue, nested.schema ?? .object([]), required: true) }
            return nested.container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = SchemaRecorder()
            recorder.addProperty(key.stringValue, .array(.any), required: true)
            return nested.unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { recorder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { recorder }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { recorder.codingPath }
        var count: Int { 0 }

        init(recorder: SchemaRecorder) {
            self.recorder = recorder
            if recorder.schema == nil { recorder.schema = .array(.any) }
        }

        mutating func encodeNil() throws {}
        mutating func encode<T: Encodable>(_ value: T) throws { recorder.addElement(try SchemaRecorder.schema(of: value)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = SchemaRecorder()
            recorder.addElement(.object([]))
            return nested.container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { SchemaRecorder().unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { recorder }
    }

    struct Single: SingleValueEncodingContainer {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { recorder.codingPath }

        mutating func encodeNil() throws { recorder.schema = .any }
        mutating func encode<T: Encodable>(_ value: T) throws { recorder.schema = try SchemaRecorder.schema(of: value) }
    }
}
