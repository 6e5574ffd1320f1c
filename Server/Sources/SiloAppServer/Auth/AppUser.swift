/// An authenticated app user. The uid goes into key prefixes and policies, so only a safe alphabet passes.
public struct AppUser: Sendable, Hashable {
    public let uid: String

    public init(uid: String) {
        self.uid = uid
    }

    /// 1–64 of `[A-Za-z0-9._@-]`, and not a dot path: nothing that could widen a policy or a prefix.
    public static func isValidUID(_ uid: String) -> Bool {
        guard (1...64).contains(uid.utf8.count), uid != ".", uid != ".." else { return false }
        return uid.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x40 || byte == 0x2D
        }
    }

    /// STS `RoleSessionName`: 2–32 characters of `[A-Za-z0-9.@_-]` (spec §17.4).
    public var roleSessionName: String {
        var name = String(uid.prefix(32))
        if name.count < 2 { name += "-u" }
        return name
    }
}
