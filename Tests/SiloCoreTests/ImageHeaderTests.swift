import Foundation
import Testing

@testable import SiloCore

/// Sizes read from headers built byte by byte after each format's layout; compat/test_app_server.py checks real Pillow images.
@Suite struct ImageHeaderTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test func png() {
        // 8-byte signature, IHDR length, "IHDR", width 640, height 480.
        let header = Self.bytes("89504e470d0a1a0a0000000d4948445200000280000001e008020000")
        #expect(ImageHeader.sniff(header) == ImageHeader(format: "png", width: 640, height: 480))
    }

    @Test func jpegSkipsAppSegmentsToTheFrameHeader() {
        var data: [UInt8] = [0xFF, 0xD8]
        // An APP1 (EXIF) segment of 60,000 bytes, then a DQT, then SOF2 (progressive) 1920x1080.
        data += [0xFF, 0xE1] + [UInt8(60_002 >> 8), UInt8(60_002 & 0xFF)] + [UInt8](repeating: 0xFF, count: 60_000)
        data += [0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00]
        data += [0xFF, 0xC2, 0x00, 0x11, 0x08, 0x04, 0x38, 0x07, 0x80, 0x03]
        #expect(ImageHeader.sniff(data) == ImageHeader(format: "jpg", width: 1920, height: 1080))
    }

    @Test func jpegWithoutAFrameBeforeTheScanIsNotAnImage() {
        let data: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x04, 0x00, 0x00]
        #expect(ImageHeader.sniff(data) == nil)
        #expect(ImageHeader.sniff([0xFF, 0xD8, 0xFF, 0xC4, 0x00]) == nil)  // truncated
    }

    @Test func gifWebpAndBmp() {
        #expect(ImageHeader.sniff(Array("GIF89a".utf8) + [0x40, 0x01, 0xF0, 0x00]) == ImageHeader(format: "gif", width: 320, height: 240))
        // VP8X: canvas 1000x500 stored minus one, 24-bit little endian.
        var vp8x = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0] + [0, 0, 0, 0]
        vp8x += [0xE7, 0x03, 0x00, 0xF3, 0x01, 0x00]
        #expect(ImageHeader.sniff(vp8x) == ImageHeader(format: "webp", width: 1000, height: 500))
        var vp8 = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [0, 0, 0, 0] + [0, 0, 0] + [0x9D, 0x01, 0x2A]
        vp8 += [0x80, 0x02, 0xE0, 0x01]
        #expect(ImageHeader.sniff(vp8) == ImageHeader(format: "webp", width: 640, height: 480))
        var bmp = Array("BM".utf8) + [UInt8](repeating: 0, count: 12) + [40, 0, 0, 0]
        bmp += [0x20, 0, 0, 0] + [0xF0, 0xFF, 0xFF, 0xFF]  // 32 wide, -16 high (top-down)
        #expect(ImageHeader.sniff(bmp) == ImageHeader(format: "bmp", width: 32, height: 16))
    }

    @Test func textAndZeroSizesAreNotImages() {
        #expect(ImageHeader.sniff(Array("hello world".utf8)) == nil)
        #expect(ImageHeader.sniff([UInt8]()) == nil)
        #expect(ImageHeader.sniff(Self.bytes("89504e470d0a1a0a0000000d494844520000000000000001")) == nil)
    }
}
