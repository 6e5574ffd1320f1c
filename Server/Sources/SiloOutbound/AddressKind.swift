/// The class of an IP address, for deciding where server-side requests may go.
///
/// Every form that can smuggle an IPv4 address inside IPv6 (mapped, compatible, SIIT-translated, NAT64,
/// 6to4) is classified by the IPv4 address it carries, so `::127.0.0.1` or `64:ff9b::a00:1` is loopback or
/// private, never public.
public enum AddressKind: String, Sendable, Hashable, CustomStringConvertible {
    case loopback
    case `private`
    case linkLocal = "link-local"
    case multicast
    /// Unspecified, reserved, documentation or otherwise not a host anyone should be calling.
    case reserved
    case `public`

    public var description: String { rawValue }

    /// `bytes` is 4 (IPv4) or 16 (IPv6) bytes in network order; anything else is reserved.
    public init(_ bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = Self.ipv4(bytes[0], bytes[1], bytes[2])
        case 16: self = Self.ipv6(bytes)
        default: self = .reserved
        }
    }

    /// The IPv4 address an IPv6 address carries, in the translation forms that route to it.
    public static func embeddedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16 else { return nil }
        let zeros = { (range: Range<Int>) in bytes[range].allSatisfy { $0 == 0 } }
        // ::ffff:a.b.c.d (mapped)
        if zeros(0..<10) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12..<16]) }
        // ::ffff:0:a.b.c.d (SIIT translated)
        if zeros(0..<8) && bytes[8] == 0xFF && bytes[9] == 0xFF && zeros(10..<12) { return Array(bytes[12..<16]) }
        // ::a.b.c.d (compatible, deprecated), but not :: and ::1
        if zeros(0..<12) && !zeros(12..<15) { return Array(bytes[12..<16]) }
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && zeros(4..<12) {
            return Array(bytes[12..<16])
        }
        // 2002:AABB:CCDD::/48 (6to4)
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return Array(bytes[2..<6]) }
        return nil
    }

    private static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> AddressKind {
        switch (a, b, c) {
        case (127, _, _): return .loopback
        case (0, _, _): return .reserved
        case (10, _, _), (172, 16...31, _), (192, 168, _): return .private
        case (100, 64...127, _): return .private  // carrier-grade NAT
        case (198, 18...19, _): return .private  // benchmarking
        case (192, 0, 0): return .private  // IETF protocol assignments
        case (192, 0, 2), (198, 51, 100), (203, 0, 113): return .reserved  // documentation
        case (192, 88, 99): return .reserved  // 6to4 relay anycast
        case (169, 254, _): return .linkLocal
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved
        default: return .public
        }
    }

    private static func ipv6(_ bytes: [UInt8]) -> AddressKind {
        if let ipv4 = embeddedIPv4(bytes) { return AddressKind(ipv4) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return bytes[15] == 1 ? .loopback : .reserved }
        switch (bytes[0], bytes[1]) {
        case (0xFC...0xFD, _): return .private  // fc00::/7 unique local
        case (0xFE, 0x80...0xBF): return .linkLocal  // fe80::/10
        case (0xFE, 0xC0...0xFF): return .private  // fec0::/10 site-local (deprecated)
        case (0xFF, _): return .multicast
        default: break
        }
        // 64:ff9b:1::/48, local-use NAT64: translates to whatever the local network decides.
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B { return .private }
        // 2001::/32 Teredo hides its IPv4 endpoints; 2001:db8::/32 is documentation.
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x00 && bytes[3] == 0x00 { return .reserved }
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return .reserved }
        // 100::/64 discard-only.
        if bytes[0] == 0x01 && bytes[1] == 0x00 && bytes[2..<8].allSatisfy({ $0 == 0 }) { return .reserved }
        // Global unicast is 2000::/3; everything else is unassigned.
        return bytes[0] & 0xE0 == 0x20 ? .public : .reserved
    }
}
