/// An image's format and size read from its first bytes, without decoding it: what an upload callback's
/// `${imageInfo.*}` variables report.
public struct ImageHeader: Sendable, Hashable {
    /// OSS's format names: `jpg`, `png`, `gif`, `webp`, `bmp`.
    public var format: String
    public var width: Int
    public var height: Int

    public init(format: String, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// Enough bytes for any header here; JPEG's size marker follows EXIF blocks of up to 64 KiB each.
    public static let sniffLength = 256 * 1024

    /// Nil for anything that is not a well-formed header of a supported format.
    public static func sniff(_ bytes: some Collection<UInt8>) -> ImageHeader? {
        let data = Array(bytes.prefix(sniffLength))
        let header: ImageHeader?
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            header = png(data)
        } else if data.starts(with: [0xFF, 0xD8]) {
            header = jpeg(data)
        } else if data.starts(with: Array("GIF87a".utf8)) || data.starts(with: Array("GIF89a".utf8)) {
            header = data.count >= 10 ? ImageHeader(format: "gif", width: le16(data, 6), height: le16(data, 8)) : nil
        } else if data.count >= 16, data.starts(with: Array("RIFF".utf8)), Array(data[8..<12]) == Array("WEBP".utf8) {
            header = webp(data)
        } else if data.starts(with: Array("BM".utf8)) {
            header = bmp(data)
        } else {
            header = nil
        }
        guard let header, header.width > 0, header.height > 0 else { return nil }
        return header
    }

    static func be16(_ d: [UInt8], _ i: Int) -> Int { Int(d[i]) << 8 | Int(d[i + 1]) }
    static func le16(_ d: [UInt8], _ i: Int) -> Int { Int(d[i]) | Int(d[i + 1]) << 8 }
    static func le24(_ d: [UInt8], _ i: Int) -> Int { le16(d, i) | Int(d[i + 2]) << 16 }
    static func be32(_ d: [UInt8], _ i: Int) -> Int { be16(d, i) << 16 | be16(d, i + 2) }
    static func le32(_ d: [UInt8], _ i: Int) -> Int32 { Int32(bitPattern: UInt32(le16(d, i)) | UInt32(le16(d, i + 2)) << 16) }

    static func png(_ d: [UInt8]) -> ImageHeader? {
        guard d.count >= 24, Array(d[12..<16]) == Array("IHDR".utf8) else { return nil }
        return ImageHeader(format: "png", width: be32(d, 16), height: be32(d, 20))
    }

    /// Walks the marker segments to the first start-of-frame.
    static func jpeg(_ d: [UInt8]) -> ImageHeader? {
        var i = 2
        while i + 4 <= d.count {
            guard d[i] == 0xFF else { return nil }
            let marker = d[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = be16(d, i + 2)
            guard length >= 2 else { return nil }
            let isFrame = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isFrame {
                guard i + 9 <= d.count else { return nil }
                return ImageHeader(format: "jpg", width: be16(d, i + 7), height: be16(d, i + 5))
            }
            if marker == 0xD9 || marker == 0xDA { return nil }  // end, or scan data before any frame header
            i += 2 + length
        }
        return nil
    }

    static func webp(_ d: [UInt8]) -> ImageHeader? {
        guard d.count >= 30 else { return nil }
        switch String(decoding: d[12..<16], as: UTF8.self) {
        case "VP8 ":
            guard d[23] == 0x9D, d[24] == 0x01, d[25] == 0x2A else { return nil }
            return ImageHeader(format: "webp", width: le16(d, 26) & 0x3FFF, height: le16(d, 28) & 0x3FFF)
        case "VP8L":
            guard d[20] == 0x2F else { return nil }
            let bits = UInt32(d[21]) | UInt32(d[22]) << 8 | UInt32(d[23]) << 16 | UInt32(d[24]) << 24
            return ImageHeader(format: "webp", width: Int(bits & 0x3FFF) + 1, height: Int((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return ImageHeader(format: "webp", width: le24(d, 24) + 1, height: le24(d, 27) + 1)
        default:
            return nil
        }
    }

    static func bmp(_ d: [UInt8]) -> ImageHeader? {
        guard d.count >= 26, le32(d, 14) >= 40 else { return nil }
        // A negative height means the rows are stored top-down.
        return ImageHeader(format: "bmp", width: Int(le32(d, 18)), height: Int(abs(Int64(le32(d, 22)))))
    }
}
