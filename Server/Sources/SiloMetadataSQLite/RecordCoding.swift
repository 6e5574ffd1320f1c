import SiloCore
import SiloStorage

/// Compact column encodings for the hot read path (a GET decodes one row): newline-separated fields,
/// since HTTP header names and values cannot contain a line feed (and SQLite text stops at NUL).
enum RecordCoding {
    static let separator: Character = "\n"

    static func encode(_ headers: StoredHeaders) -> String? {
        let fields = [headers.cacheControl, headers.contentDisposition, headers.contentEncoding,
                      headers.contentLanguage, headers.expires]
        guard fields.contains(where: { $0 != nil }) else { return nil }
        return fields.map { $0.map { "=" + $0 } ?? "" }.joined(separator: String(separator))
    }

    static func decodeHeaders(_ text: String?) -> StoredHeaders {
        guard let text else { return StoredHeaders() }
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
            .map { $0.isEmpty ? nil : String($0.dropFirst()) }
        guard parts.count == 5 else { return StoredHeaders() }
        return StoredHeaders(cacheControl: parts[0], contentDisposition: parts[1], contentEncoding: parts[2],
                             contentLanguage: parts[3], expires: parts[4])
    }

    static func encode(_ metadata: [MetadataEntry]) -> String? {
        guard !metadata.isEmpty else { return nil }
        return metadata.map { $0.name + String(separator) + $0.value }.joined(separator: String(separator))
    }

    static func decodeMetadata(_ text: String?) -> [MetadataEntry] {
        guard let text, !text.isEmpty else { return [] }
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        var entries: [MetadataEntry] = []
        entries.reserveCapacity(parts.count / 2)
        var index = 0
        while index + 1 < parts.count {
            entries.append(MetadataEntry(String(parts[index]), String(parts[index + 1])))
            index += 2
        }
        return entries
    }

    /// `id:offset:length` joined by `;`.
    static func encode(_ extents: [Extent]) -> String {
        extents.map { "\($0.blob.raw):\($0.offset):\($0.length)" }.joined(separator: ";")
    }

    static func decodeExtents(_ text: String) -> [Extent]? {
        guard !text.isEmpty else { return [] }
        var extents: [Extent] = []
        for item in text.split(separator: ";") {
            let fields = item.split(separator: ":")
            guard fields.count == 3, let blob = BlobID(String(fields[0])), let offset = Int64(fields[1]),
                let length = Int64(fields[2])
            else { return nil }
            extents.append(Extent(blob: blob, offset: offset, length: length))
        }
        return extents
    }

    /// SQLite integers are signed; CRCs are stored as their bit pattern.
    static func encode(crc: UInt64) -> Int64 { Int64(bitPattern: crc) }
    static func decode(crc: Int64) -> UInt64 { UInt64(bitPattern: crc) }
}

/// The smallest byte string greater than every string that starts with `prefix`; nil when none exists.
func successor(of prefix: String) -> [UInt8]? {
    var bytes = Array(prefix.utf8)
    while let last = bytes.last {
        if last < 0xFF {
            bytes[bytes.count - 1] = last + 1
            return bytes
        }
        bytes.removeLast()
    }
    return nil
}
