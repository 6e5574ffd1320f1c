import Foundation

/// Maps object keys to files under a local folder without ever leaving it.
///
/// Keys are opaque strings that any uploader chooses: `users/alice/../../../.bashrc` is a valid key. Joined to
/// a folder as a path, it would name a file outside it. Every download that turns keys into paths goes through
/// here: `.` and `..` segments, NUL and (where the platform treats it as a separator) `\` are refused, empty
/// segments collapse (so `/etc/passwd` stays inside the folder as `etc/passwd`), and the result is checked to
/// lie under the folder.
public enum LocalDestination {
    public struct UnsafeKey: Error, Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var reason: String

        public init(key: String, reason: String) {
            self.key = key
            self.reason = reason
        }

        public var description: String { "key \(Self.printable(key)) \(reason)" }

        /// Control characters shown escaped, so a hostile key cannot rewrite the terminal.
        static func printable(_ key: String) -> String {
            var out = "\""
            for scalar in key.unicodeScalars {
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }

    /// The file `key` maps to: the part after `prefix` (the listed prefix), below `folder`.
    public static func file(forKey key: String, removingPrefix prefix: String = "", under folder: URL) throws(UnsafeKey) -> URL {
        guard key.hasPrefix(prefix) else { throw UnsafeKey(key: key, reason: "is not under the prefix \(prefix)") }
        return try file(relativePath: String(key.dropFirst(prefix.count)), key: key, under: folder)
    }

    /// The file named by the last segment of `key`, directly in `folder` (a single download into a folder).
    public static func file(namedAfterKey key: String, in folder: URL) throws(UnsafeKey) -> URL {
        let name = key.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        return try file(relativePath: name, key: key, under: folder)
    }

    static func file(relativePath: String, key: String, under folder: URL) throws(UnsafeKey) -> URL {
        if relativePath.utf8.contains(0) { throw UnsafeKey(key: key, reason: "contains a NUL byte") }
        #if os(Windows)
        if relativePath.contains("\\") { throw UnsafeKey(key: key, reason: "contains a backslash, a path separator here") }
        if relativePath.contains(":") { throw UnsafeKey(key: key, reason: "contains a colon, a drive separator here") }
        #endif
        let segments = relativePath.split(separator: "/", omittingEmptySubsequences: true)
        guard !segments.isEmpty else { throw UnsafeKey(key: key, reason: "names no file below the folder") }
        for segment in segments where segment == "." || segment == ".." {
            throw UnsafeKey(key: key, reason: "has a \(segment) segment and would leave the destination folder")
        }
        var url = folder.standardizedFileURL
        for segment in segments { url.appendPathComponent(String(segment)) }
        let base = folder.standardizedFileURL.path
        let resolved = url.standardizedFileURL.path
        guard resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw UnsafeKey(key: key, reason: "would leave the destination folder")
        }
        return url
    }
}
