import CVips
import CVipsShim
import Foundation
import SiloCore
import Testing

@testable import SiloImaging

/// Images made here (a gradient with a red square), processed, and the output decoded and measured.
@Suite struct ImageProcessorTests {
    /// A `width`×`height` RGB(A) image encoded as `suffix` (".jpg", ".png", ".webp", ".gif").
    static func image(_ width: Int, _ height: Int, alpha: Bool = false, suffix: String = ".jpg") throws -> Data {
        try VipsRuntime.start()
        let bands = alpha ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * bands)
        for y in 0..<height {
            for x in 0..<width {
                let offset = (y * width + x) * bands
                let square = x < width / 4 && y < height / 4
                pixels[offset] = square ? 255 : UInt8(x * 255 / max(1, width - 1))
                pixels[offset + 1] = square ? 0 : UInt8(y * 255 / max(1, height - 1))
                pixels[offset + 2] = square ? 0 : 128
                if alpha { pixels[offset + 3] = x < width / 2 ? 255 : 0 }
            }
        }
        let image = pixels.withUnsafeBytes {
            vips_image_new_from_memory_copy($0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)
        }
        let handle = try VipsHandle.checked(image, "making a test image")
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard silo_vips_save(handle.pointer, suffix, &buffer, &length) == 0, let buffer else { throw VipsRuntime.failure("encoding") }
        defer { g_free(buffer) }
        return Data(bytes: buffer, count: length)
    }

    static func run(_ source: Data, _ process: String) throws -> ImageProcessor.Output {
        guard case .image(let pipeline) = try ProcessRequest.parse(process) else { throw OSSError.badRequest("style") }
        return try ImageProcessor().process(source, pipeline: pipeline)
    }

    static func size(_ output: ImageProcessor.Output) -> ImageHeader? { ImageHeader.sniff(output.data) }

    @Test(arguments: [
        ("image/resize,w_200", "jpg", 200, 150),
        ("image/resize,h_75", "jpg", 100, 75),
        ("image/resize,m_lfit,w_100,h_100", "jpg", 100, 75),
        ("image/resize,m_mfit,w_100,h_100", "jpg", 133, 100),
        ("image/resize,m_fill,w_100,h_100", "jpg", 100, 100),
        ("image/resize,m_pad,w_100,h_100,color_FF0000", "jpg", 100, 100),
        ("image/resize,m_fixed,w_50,h_80", "jpg", 50, 80),
        ("image/resize,l_100", "jpg", 100, 75),
        ("image/resize,s_60", "jpg", 80, 60),
        ("image/resize,p_50", "jpg", 200, 150),
        ("image/resize,w_800", "jpg", 400, 300),
        ("image/resize,w_800,limit_0", "jpg", 800, 600),
        ("image/resize,w_100/format,png", "png", 100, 75),
        ("image/resize,w_100/format,webp", "webp", 100, 75),
        ("image/resize,w_100/format,gif", "gif", 100, 75),
        ("image/format,png/resize,w_40", "png", 40, 30),
    ])
    func resizeModesAndFormats(process: String, format: String, width: Int, height: Int) throws {
        let output = try Self.run(try Self.image(400, 300), process)
        #expect(Self.size(output) == ImageHeader(format: format, width: width, height: height), "\(process)")
        #expect(output.contentType == ImageEncoder.contentType(ImageProcess.Format(rawValue: format)!))
    }

    @Test func padFillsWithTheColour() throws {
        let output = try Self.run(try Self.image(400, 100), "image/resize,m_pad,w_100,h_100,color_00FF00/format,png")
        let decoded = try VipsHandle.checked(output.data.withUnsafeBytes { silo_vips_load($0.baseAddress, $0.count) }, "decode")
        var pixel = [Double](repeating: -1, count: 4)
        // The top row lies in the padding: pure green. The middle is the image's own gradient.
        #expect(silo_vips_getpoint(decoded.pointer, 50, 2, &pixel, 4) >= 3)
        #expect(Array(pixel.prefix(3)) == [0, 255, 0])
        #expect(silo_vips_getpoint(decoded.pointer, 50, 50, &pixel, 4) >= 3)
        #expect(Array(pixel.prefix(3)) != [0, 255, 0])
    }

    @Test func qualityChangesTheSize() throws {
        let source = try Self.image(400, 300)
        let low = try Self.run(source, "image/resize,w_300/quality,Q_10")
        let high = try Self.run(source, "image/resize,w_300/quality,Q_95")
        #expect(low.data.count < high.data.count)
    }

    @Test func transparencyBecomesWhiteInJPEG() throws {
        let output = try Self.run(try Self.image(100, 100, alpha: true, suffix: ".png"), "image/resize,w_50/format,jpg")
        #expect(Self.size(output) == ImageHeader(format: "jpg", width: 50, height: 50))
    }

    @Test func info() throws {
        let source = try Self.image(321, 123, suffix: ".png")
        let output = try Self.run(source, "image/info")
        #expect(output.contentType == "application/json")
        let object = try #require(try JSONSerialization.jsonObject(with: output.data) as? [String: [String: String]])
        #expect(object["ImageWidth"]?["value"] == "321" && object["ImageHeight"]?["value"] == "123")
        #expect(object["Format"]?["value"] == "png" && object["FileSize"]?["value"] == String(source.count))
    }

    @Test func badImagesAreA400() throws {
        #expect(throws: ImagingError.self) { _ = try Self.run(Data("not an image at all".utf8), "image/resize,w_10") }
        let whole = try Self.image(400, 300)
        for process in ["image/resize,w_100/format,png", "image/format,png"] {
            do {
                _ = try Self.run(Data(whole.prefix(whole.count / 2)), process)
                Issue.record("a truncated JPEG was processed by \(process)")
            } catch let error as ImagingError {
                guard case .badImage = error else { Issue.record("\(error)"); continue }
            }
        }
    }

    /// A PNG whose header claims 40000×40000: refused from the header, before any decoding.
    @Test func decompressionBombsAreRefusedFromTheHeader() throws {
        var bomb: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bomb += [0, 0, 0x9C, 0x40, 0, 0, 0x9C, 0x40, 8, 2, 0, 0, 0]
        let crc = CRC32.checksum(Array(bomb[12...]))
        bomb += [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        bomb += [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        do {
            _ = try Self.run(Data(bomb), "image/resize,w_100")
            Issue.record("a 1.6 gigapixel image was accepted")
        } catch let error as ImagingError {
            guard case .tooLarge = error else { Issue.record("\(error)"); return }
        }
        let huge = try Self.image(400, 300)
        #expect(throws: ImagingError.self) { _ = try Self.run(huge, "image/resize,w_16384,h_16384,m_fixed,limit_0") }
    }

    /// The red square sits in the top-left quarter of the source.
    static func pixel(_ output: ImageProcessor.Output, _ x: Int, _ y: Int) throws -> [Double] {
        let decoded = try VipsHandle.checked(output.data.withUnsafeBytes { silo_vips_load($0.baseAddress, $0.count) }, "decode")
        var values = [Double](repeating: -1, count: 4)
        #expect(silo_vips_getpoint(decoded.pointer, Int32(x), Int32(y), &values, 4) >= 3)
        return Array(values.prefix(3))
    }

    static func isRed(_ pixel: [Double]) -> Bool { pixel[0] > 200 && pixel[1] < 60 && pixel[2] < 60 }

    @Test func cropAndRotate() throws {
        let source = try Self.image(400, 300, suffix: ".png")
        let corner = try Self.run(source, "image/crop,w_100,h_75/format,png")
        #expect(Self.size(corner) == ImageHeader(format: "png", width: 100, height: 75))
        #expect(Self.isRed(try Self.pixel(corner, 50, 40)))
        let centre = try Self.run(source, "image/crop,w_100,h_100,g_center/format,png")
        #expect(!Self.isRed(try Self.pixel(centre, 50, 50)))
        let clipped = try Self.run(source, "image/crop,x_350,y_250,w_100,h_100/format,png")
        #expect(Self.size(clipped) == ImageHeader(format: "png", width: 50, height: 50))
        #expect(throws: ImagingError.self) { _ = try Self.run(source, "image/crop,x_400,w_10") }
        let turned = try Self.run(source, "image/rotate,90/format,png")
        #expect(Self.size(turned) == ImageHeader(format: "png", width: 300, height: 400))
        #expect(Self.isRed(try Self.pixel(turned, 280, 20)), "the top-left square is top-right after a quarter turn")
        let tilted = try Self.run(source, "image/rotate,45/format,png")
        #expect((Self.size(tilted)?.width ?? 0) > 400)
    }

    @Test func brightContrastBlurSharpen() throws {
        let source = try Self.image(200, 150, suffix: ".png")
        let original = try Self.pixel(try Self.run(source, "image/format,png"), 150, 100)
        let brighter = try Self.pixel(try Self.run(source, "image/bright,50/format,png"), 150, 100)
        #expect(zip(brighter, original).allSatisfy { $0 >= $1 } && brighter != original)
        let flat = try Self.pixel(try Self.run(source, "image/contrast,-100/format,png"), 150, 100)
        #expect(flat.allSatisfy { abs($0 - 128) <= 1 }, "contrast -100 leaves mid-grey")
        // At the red square's edge, blurring mixes red into its neighbour.
        let edge = try Self.pixel(try Self.run(source, "image/blur,r_5,s_5/format,png"), 52, 10)
        #expect(edge[0] > Self.pixelValue(source, 52, 10)[0])
        let sharp = try Self.run(source, "image/sharpen,200/format,png")
        #expect(Self.size(sharp) == ImageHeader(format: "png", width: 200, height: 150))
    }

    @Test func jpegShrinkOnLoadDecodesAtAFractionAndLeavesOddFilesToLibvips() throws {
        let source = try Self.image(800, 600)
        var resize = ImageOperation.Resize()
        resize.width = 100
        let plan = ResizePlan.make(resize, sourceWidth: 800, sourceHeight: 600)
        let decoded = try #require(source.withUnsafeBytes { ImageProcessor.jpegShrinkOnLoad($0, width: 800, height: 600, plan: plan) })
        #expect((decoded.width, decoded.height, decoded.bands) == (100, 75, 3), "1/8 of 800x600 is still 100 wide")
        var pixel = [Double](repeating: 0, count: 3)
        #expect(silo_vips_getpoint(decoded.pointer, 5, 5, &pixel, 3) == 3 && Self.isRed(pixel))
        resize.width = 300
        let wider = ResizePlan.make(resize, sourceWidth: 800, sourceHeight: 600)
        let half = try #require(source.withUnsafeBytes { ImageProcessor.jpegShrinkOnLoad($0, width: 800, height: 600, plan: wider) })
        #expect((half.width, half.height) == (400, 300), "1/2: the largest shrink that stays at least 300 wide")
        // Truncated: refused here (libvips then reports it); no shrink needed: not used.
        #expect(source.prefix(source.count / 2).withUnsafeBytes { ImageProcessor.jpegShrinkOnLoad($0, width: 800, height: 600, plan: plan) } == nil)
        resize.width = 700
        let big = ResizePlan.make(resize, sourceWidth: 800, sourceHeight: 600)
        #expect(source.withUnsafeBytes { ImageProcessor.jpegShrinkOnLoad($0, width: 800, height: 600, plan: big) } == nil)
        #expect(throws: ImagingError.self) { _ = try Self.run(source.prefix(source.count / 2), "image/resize,w_100") }
        // An ICC profile (APP2 after SOI) means colour management: libvips's path, not this one.
        let profile = Array("ICC_PROFILE".utf8) + [0, 1, 1] + [UInt8](repeating: 7, count: 128)
        let segment: [UInt8] = [0xFF, 0xE2, UInt8((profile.count + 2) >> 8), UInt8((profile.count + 2) & 0xFF)] + profile
        let managed = Data(source.prefix(2) + segment + source.dropFirst(2))
        #expect(managed.withUnsafeBytes { ImageProcessor.jpegShrinkOnLoad($0, width: 800, height: 600, plan: plan) } == nil)
        // Grey JPEGs decode to one band and still resize end to end.
        let pixels = [UInt8](repeating: 90, count: 800 * 600)
        let greyImage = try VipsHandle.checked(pixels.withUnsafeBytes {
            vips_image_new_from_memory_copy($0.baseAddress, $0.count, 800, 600, 1, VIPS_FORMAT_UCHAR)
        }, "grey")
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        #expect(silo_vips_save(greyImage.pointer, ".jpg", &buffer, &length) == 0)
        let grey = Data(bytes: buffer!, count: length)
        g_free(buffer)
        let greyDecoded = try #require(grey.withUnsafeBytes { ImageProcessor.jpegShrinkOnLoad($0, width: 800, height: 600, plan: plan) })
        #expect(greyDecoded.bands == 1)
        #expect(Self.size(try Self.run(grey, "image/resize,w_100")) == ImageHeader(format: "jpg", width: 100, height: 75))
    }

    static func pixelValue(_ data: Data, _ x: Int, _ y: Int) -> [Double] {
        (try? pixel(ImageProcessor.Output(data: data, contentType: "image/png"), x, y)) ?? [0, 0, 0]
    }
}

/// PNG chunk checksums, for hand-made headers.
enum CRC32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

@Suite struct ResizePlanTests {
    func plan(_ text: String, _ width: Int, _ height: Int) throws -> ResizePlan {
        guard case .image(let pipeline) = try ProcessRequest.parse(text), case .resize(let resize) = pipeline.operations[0] else {
            throw OSSError.badRequest("not a resize")
        }
        return ResizePlan.make(resize, sourceWidth: width, sourceHeight: height)
    }

    @Test func portraitLongAndShortSides() throws {
        #expect(try plan("image/resize,l_100", 300, 400) == ResizePlan(scaledWidth: 75, scaledHeight: 100, finalWidth: 75, finalHeight: 100))
        #expect(try plan("image/resize,s_60", 300, 400) == ResizePlan(scaledWidth: 60, scaledHeight: 80, finalWidth: 60, finalHeight: 80))
    }

    @Test func fillCutsAndPadPads() throws {
        let fill = try plan("image/resize,m_fill,w_100,h_100", 400, 300)
        #expect(fill.scaledWidth == 133 && fill.scaledHeight == 100 && fill.crops && !fill.pads)
        let pad = try plan("image/resize,m_pad,w_100,h_100", 400, 300)
        #expect(pad.scaledWidth == 100 && pad.scaledHeight == 75 && pad.pads && !pad.crops)
    }

    @Test func neverEnlargesUnlessAsked() throws {
        #expect(try plan("image/resize,p_200", 40, 30).finalWidth == 40)
        #expect(try plan("image/resize,p_200,limit_0", 40, 30).finalWidth == 80)
    }
}
