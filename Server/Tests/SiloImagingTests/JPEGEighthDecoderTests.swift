import CVips
import CVipsShim
import Foundation
import Testing

@testable import SiloImaging

/// Silo's 1/8-scale JPEG decoder must give libjpeg's exact bytes, and must survive damaged files.
@Suite struct JPEGEighthDecoderTests {
    /// Gradients under deterministic grain, so the JPEG carries many AC coefficients of every size.
    static func photo(_ width: Int, _ height: Int, bands: Int = 3) throws -> VipsHandle {
        try VipsRuntime.start()
        var noise = SeededNoise(state: UInt64(width * 31 + height))
        var pixels = [UInt8](repeating: 0, count: width * height * bands)
        for y in 0..<height {
            for x in 0..<width {
                let grain = Int(noise.next() % 64)
                for band in 0..<bands {
                    let base = band == 0 ? x * 255 / max(1, width - 1) : band == 1 ? y * 255 / max(1, height - 1) : (x + y) % 256
                    pixels[(y * width + x) * bands + band] = UInt8(clamping: base + grain - 32)
                }
            }
        }
        let image = pixels.withUnsafeBytes {
            vips_image_new_from_memory_copy($0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)
        }
        return try VipsHandle.checked(image, "making a test image")
    }

    static func jpeg(_ image: VipsHandle, _ options: String) throws -> Data {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard silo_vips_save(image.pointer, ".jpg[\(options)]", &buffer, &length) == 0, let buffer else {
            throw VipsRuntime.failure("encoding")
        }
        defer { g_free(buffer) }
        return Data(bytes: buffer, count: length)
    }

    /// The 1/8 decode's pixels, and whether Silo's decoder (rather than libjpeg) made them.
    static func eighth(_ data: Data, libjpegOnly: Bool) -> (pixels: [UInt8], width: Int, height: Int, bands: Int, ours: Bool)? {
        var ours: Int32 = 0
        guard let image = data.withUnsafeBytes({ silo_jpeg_shrink_load($0.baseAddress, $0.count, 8, libjpegOnly ? 1 : 0, &ours) })
        else {
            _ = silo_vips_take_error().map { g_free($0) }
            return nil
        }
        let handle = VipsHandle(image)
        var size = 0
        guard let memory = vips_image_write_to_memory(handle.pointer, &size) else { return nil }
        defer { g_free(memory) }
        let pixels = [UInt8](UnsafeRawBufferPointer(start: memory, count: size))
        return (pixels, handle.width, handle.height, handle.bands, ours == 1)
    }

    /// Bytes that differ (a length difference counts as all of the extra bytes).
    static func differing(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).reduce(abs(a.count - b.count)) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    @Test(arguments: [
        (333, 251, "Q=90,subsample_mode=on"),
        (333, 251, "Q=90,subsample_mode=off"),
        (800, 600, "Q=100,subsample_mode=on,optimize_coding=true"),
        (640, 480, "Q=50,subsample_mode=off,optimize_coding=true"),
        (640, 480, "Q=85,subsample_mode=on,restart_interval=1"),
        (1001, 7, "Q=75,subsample_mode=on,restart_interval=5"),
        (17, 9, "Q=95,subsample_mode=on"),
        (1, 1, "Q=95,subsample_mode=on"),
        (8, 8, "Q=95,subsample_mode=off,restart_interval=2"),
    ])
    func sameBytesAsLibjpeg(width: Int, height: Int, options: String) throws {
        let data = try Self.jpeg(try Self.photo(width, height), options)
        let ours = try #require(Self.eighth(data, libjpegOnly: false))
        let reference = try #require(Self.eighth(data, libjpegOnly: true))
        #expect(ours.ours, "a baseline file goes through Silo's decoder")
        #expect(!reference.ours)
        #expect((ours.width, ours.height) == ((width + 7) / 8, (height + 7) / 8))
        #expect((ours.width, ours.height) == (reference.width, reference.height))
        #expect(Self.differing(ours.pixels, reference.pixels) == 0)
    }

    @Test func greyAndFourTwoTwoToo() throws {
        let grey = try Self.jpeg(try Self.photo(203, 97, bands: 1), "Q=80,restart_interval=3")
        // 4:2:2 (chroma halved across only), which libvips cannot write: made by Pillow (quality 80,
        // subsampling=1) from a 40x24 noisy gradient.
        let fourTwoTwo = try #require(Data(base64Encoded: Self.fourTwoTwo))
        for data in [grey, fourTwoTwo] {
            let ours = try #require(Self.eighth(data, libjpegOnly: false))
            let reference = try #require(Self.eighth(data, libjpegOnly: true))
            #expect(ours.ours)
            #expect(ours.width == reference.width && ours.height == reference.height)
            #expect(Self.differing(ours.pixels, reference.pixels) == 0)
        }
    }

    @Test func progressiveFilesStayWithLibjpeg() throws {
        let data = try Self.jpeg(try Self.photo(320, 240), "Q=85,interlace=true")
        let decoded = try #require(Self.eighth(data, libjpegOnly: false))
        #expect(!decoded.ours && (decoded.width, decoded.height) == (40, 30))
    }

    /// Seeded damage (truncation, bit flips, random bytes, stray markers): never a crash; an image, when there is
    /// one, has the 1/8 size; and Silo's decoder does get to run on many of them.
    @Test func damagedFilesFailCleanly() throws {
        let sources = [
            try Self.jpeg(try Self.photo(96, 64), "Q=90,subsample_mode=on,restart_interval=2"),
            try Self.jpeg(try Self.photo(72, 40), "Q=60,subsample_mode=off,optimize_coding=true"),
            try Self.jpeg(try Self.photo(50, 30, bands: 1), "Q=85"),
        ]
        var random = SeededNoise(state: 20_261_129)
        var decodedByOurs = 0
        let rounds = 600
        for round in 0..<rounds {
            var bytes = [UInt8](sources[round % sources.count])
            switch random.next() % 4 {
            case 0: bytes.removeLast(Int(random.next() % UInt64(bytes.count - 1)))
            case 1:
                for _ in 0...(random.next() % 6) { bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 << (random.next() % 8)) }
            case 2:
                for _ in 0...(random.next() % 6) { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
            default:
                bytes[Int(random.next() % UInt64(bytes.count))] = 0xFF
            }
            guard let decoded = Self.eighth(Data(bytes), libjpegOnly: false) else { continue }
            if decoded.ours { decodedByOurs += 1 }
            #expect(decoded.bands == 1 || decoded.bands == 3)
            #expect(decoded.pixels.count == decoded.width * decoded.height * decoded.bands)
        }
        #expect(decodedByOurs > rounds / 10, "damage in the scan data mostly still parses: \(decodedByOurs) of \(rounds)")
    }

    static let fourTwoTwo = """
        /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/\
        2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAYACgDASEAAhEBAxEB/8QAHwAA\
        AQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRol\
        JicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW\
        19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh\
        cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJma\
        oqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDxe00gB/8AUkY7Y/XH/wBetm20gs42xnK8\
        buox6jHeuinPm/r+uhpgsW72ublnpYyNqjbjGff3GPp/nNaVjpGMFkIyQAOuB6/n/KvSpVFdH2GAxb6svXOks1uRIwjh2je5UMTkgbVUjB3Akfj0Jor3cJOoofu7\
        fOTj+TV/U3zF4evUXt5PRaJU1P5tunO19rX6X6mdY6QWAAUAAdW6Z5457f41r2+kblU4JwOOOvfn8OOfevhKM7Pm6H4/gcZbc2rfSdoz5TsQOuOp78fTH51r2WjD\
        5QzZ45+Xp17/AK16dGtpzLqfZ4DFpLct3OhxzQrBLGnkOVVnJB2kMCOOhJPTOecZBGaK9eni504WWv3r9UdWIwdLMKrqVGk0ktoO63v70ZW1bS2269Mn7LbWVs1x\
        dyxW0KYDO7BFGTjknA6nFaNmtiTgXtnjyPtPEq/6n/noefu/7XT3r47DxqzXPGLa20Tev9W+8/HsuqVprmjFtejNbTm06XVDapdQm5LnbCXAZiM52g8tgggkZAKs\
        M5UgdHBbQLD5jyRFGfyg29cb923Z6Z3AjHXPFehNVKMbzg9tF3b2SvZXb0Wq1Ps8K6sJRjKLV7W0f9dPXS3RkGryxad5aSo0jAecqo5QBEZc4PRiCygKcZ5HrRXx\
        uKzjEQqtxum97NJO2ia5o1FborOOqbcVc68fxFRyypGGIi3zK6tZ6Xa1V1Z3T9e+h//Z
        """
}

/// Knuth's MMIX linear congruential generator, seeded, so a failure replays exactly; the high bits are the good ones.
struct SeededNoise {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
}
