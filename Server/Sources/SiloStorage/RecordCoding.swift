import Foundation
import SiloCore

/// Compact column encodings every metadata backend shares, for the hot read path (a GET decodes one row):
/// newline-separated fields, since HTTP header names and values cannot contain a line feed (and SQL text stops
/// at NUL).
public enum RecordCoding {
    static let separator: Character = "\n"

    public static func encode(_ headers: StoredHeaders) -> String? {
        var fields = [headers.cacheControl, headers.contentDisposition, headers.contentEncoding,
                      headers.contentLanguage, headers.expires]
        // A sixth field only when set, so rows written before it decode the same.
        if let sse = headers.serverSideEncryption { fields.append(sse) }
        guard fields.contains(where: { $0 != nil }) else { return nil }
        return fields.map { $0.map { "=" + $0 } ?? "" }.joined(separator: String(separator))
    }

    public static func decodeHeaders(_ text: String?) -> StoredHeaders {
        guard let text else { return StoredHeaders() }
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
            .map { $0.isEmpty ? nil : String($0.dropFirst()) }
        guard parts.count == 5 || parts.count == 6 else { return StoredHeaders() }
        return StoredHeaders(cacheControl: parts[0], contentDisposition: parts[1], contentEncoding: parts[2],
                             contentLanguage: parts[3], expires: parts[4], serverSideEncryption: parts.count == 6 ? parts[5] : nil)
    }

    public static func encode(_ metadata: [MetadataEntry]) -> String? {
        guard !metadata.isEmpty else { return nil }
        return metadata.map { $0.name + String(separator) + $0.value }.joined(separator: String(separator))
    }

    public static func decodeMetadata(_ text: String?) -> [MetadataEntry] {
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

    /// Keys and values alternate, separated by newlines, which no valid tag contains.
    public static func encode(_ tags: ObjectTagSet) -> String? {
        guard !tags.isEmpty else { return nil }
        return tags.tags.map { $0.key + String(separator) + $0.value }.joined(separator: String(separator))
    }

    public static func decodeTags(_ text: String?) -> ObjectTagSet {
        ObjectTagSet(decodeTagList(text))
    }

    public static func encode(_ tags: [ResourceTag]) -> String? {
        encode(ObjectTagSet(tags))
    }

    public static func decodeTagList(_ text: String?) -> [ResourceTag] {
        decodeMetadata(text).map { ResourceTag($0.name, $0.value) }
    }

    /// A stored lifecycle configuration was validated when it was put, so it is read back without the overlap check.
    public static func decodeLifecycle(_ text: String?) -> LifecycleConfiguration? {
        text.flatMap { try? LifecycleConfiguration.parse(Array($0.utf8), allowOverlap: true) }
    }

    public static func encode(_ lifecycle: LifecycleConfiguration?) -> String? {
        lifecycle.map { String(decoding: $0.xmlBytes(), as: UTF8.self) }
    }

    public static func decodeReferer(_ text: String?) -> RefererConfiguration? {
        text.flatMap { try? XMLBody.decode(RefererConfiguration.self, from: Array($0.utf8), root: "RefererConfiguration",
                                          maxElements: RefererConfiguration.maxElements) }
    }

    public static func encode(_ referer: RefererConfiguration?) -> String? {
        referer.map { String(decoding: $0.xmlBytes(), as: UTF8.self) }
    }

    public static func decodeNotifications(_ text: String?) -> NotificationConfiguration? {
        text.flatMap { try? JSONDecoder().decode(NotificationConfiguration.self, from: Data($0.utf8)) }
    }

    public static func encode(_ notifications: NotificationConfiguration?) -> String? {
        notifications.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// `id:offset:length`, with `:wrappedKey:blobSize` for a sealed blob (Base64 has no `:` or `;`), joined by `;`.
    public static func encode(_ extents: [Extent]) -> String {
        extents.map { extent in
            let plain = "\(extent.blob.raw):\(extent.offset):\(extent.length)"
            guard let sealing = extent.sealing else { return plain }
            return plain + ":\(sealing.wrappedKey):\(sealing.blobSize)"
        }.joined(separator: ";")
    }

    public static func decodeExtents(_ text: String) -> [Extent]? {
        guard !text.isEmpty else { return [] }
        var extents: [Extent] = []
        for item in text.split(separator: ";") {
            let fields = item.split(separator: ":")
            guard fields.count == 3 || fields.count == 5, let blob = BlobID(String(fields[0])),
                  let offset = Int64(fields[1]), let length = Int64(fields[2])
            else { return nil }
            var sealing: Sealing?
            if fields.count == 5 {
                guard let blobSize = Int64(fields[4]) else { return nil }
                sealing = Sealing(wrappedKey: String(fields[3]), blobSize: blobSize)
            }
            extents.append(Extent(blob: blob, offset: offset, length: length, sealing: sealing))
        }
        return extents
    }

    /// SQL integers are signed; CRCs are stored as their bit pattern.
    public static func encode(crc: UInt64) -> Int64 { Int64(bitPattern: crc) }
    public static func decode(crc: Int64) -> UInt64 { UInt64(bitPattern: crc) }
}
