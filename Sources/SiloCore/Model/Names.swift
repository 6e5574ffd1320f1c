/// Bucket-name and object-key rules (spec §1.4).
public enum Names {
    public static let maxKeyBytes = 1023

    /// Path-style names Silo answers itself on every listener (health and readiness probes), so no bucket takes them.
    public static let reservedBucketNames: Set<String> = ["healthz", "readyz"]

    /// 3–63 of `[a-z0-9-]`, starting with a letter or digit, not ending with `-`, and not reserved.
    public static func isValidBucketName(_ name: String) -> Bool {
        guard !reservedBucketNames.contains(name) else { return false }
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }

    public static func validateBucketName(_ name: String) throws(OSSError) {
        guard isValidBucketName(name) else { throw .invalidBucketName(name) }
    }

    /// UTF-8 of 1–1023 bytes, not starting with `/` or `\`, without NUL. Keys never become file paths in Silo,
    /// so `..` is an ordinary key.
    public static func validateObjectKey(_ key: String) throws(OSSError) {
        let count = key.utf8.count
        guard count > 0 else { throw .invalidObjectName() }
        guard count <= maxKeyBytes else {
            throw .invalidObjectName("The Length of Object name must be less than 1024.")
        }
        guard let first = key.utf8.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "\\") else {
            throw .invalidObjectName()
        }
        guard !key.utf8.contains(0) else { throw .invalidObjectName() }
    }

    /// `x-oss-meta-*` names: letters, digits, `-` and `_` after the prefix.
    public static func isValidUserMetadataName(_ lowercasedName: String) -> Bool {
        guard lowercasedName.hasPrefix("x-oss-meta-"), lowercasedName.utf8.count > 11 else { return false }
        return lowercasedName.utf8.dropFirst(11).allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
