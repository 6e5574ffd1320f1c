/// Keys sort by their UTF-8 bytes (OSS listing order); for valid UTF-8 that is also code-point order. Listings
/// bound their index scans with the first key past a prefix.
public enum KeyOrder {
    /// The smallest byte string greater than every string that starts with `prefix`; nil when none exists.
    /// It need not be valid UTF-8, so it suits stores that compare raw bytes (SQLite with blob bounds).
    public static func byteSuccessor(of prefix: String) -> [UInt8]? {
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

    /// The smallest valid string greater than every string that starts with `prefix`, for stores whose text
    /// must be valid UTF-8 (PostgreSQL): the last code point is incremented (skipping surrogates), dropping
    /// trailing U+10FFFF first. Nil when the prefix is all U+10FFFF.
    public static func successor(of prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if next == 0xD800 { next = 0xE000 }
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                var result = String.UnicodeScalarView()
                result.append(contentsOf: scalars)
                return String(result)
            }
        }
        return nil
    }
}

extension ListQuery {
    /// The key's rolled-up prefix: up to and including the first delimiter after the listing prefix.
    public func commonPrefix(of key: String) -> String? {
        KeyOrder.commonPrefix(of: key, prefix: prefix, delimiter: delimiter)
    }
}

extension UploadListQuery {
    public func commonPrefix(of key: String) -> String? {
        KeyOrder.commonPrefix(of: key, prefix: prefix, delimiter: delimiter)
    }
}

extension KeyOrder {
    /// Compared as bytes, as listing order is: a delimiter matches only whole UTF-8 sequences.
    static func commonPrefix(of key: String, prefix: String, delimiter: String?) -> String? {
        guard let delimiter, !delimiter.isEmpty, key.utf8.starts(with: prefix.utf8) else { return nil }
        // Walks the key's own UTF-8 view: no copies, as this runs once per entry of a 1,000-entry page.
        let bytes = key.utf8
        let needle = delimiter.utf8
        var start = bytes.index(bytes.startIndex, offsetBy: prefix.utf8.count)
        while start != bytes.endIndex {
            if bytes[start...].starts(with: needle) {
                return String(decoding: bytes[..<bytes.index(start, offsetBy: needle.count)], as: UTF8.self)
            }
            bytes.formIndex(after: &start)
        }
        return nil
    }
}
