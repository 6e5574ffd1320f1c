import CVips
import CVipsShim
import Foundation
import SiloCore
import Testing

@testable import SiloImaging

/// Shapes, watermarks, orientation and the JSON answers, checked by decoding the outputs' pixels.
@Suite struct ImageEffectsTests {
    typealias Fixture = ImageProcessorTests

    static func run(_ source: Data, _ process: String, watermarks: [String: Data] = [:]) throws -> ImageProcessor.Output {
        guard case .image(let pipeline) = try ProcessRequest.parse(process) else { throw OSSError.badRequest("style") }
        return try ImageProcessor().process(source, pipeline: pipeline, watermarks: watermarks)
    }

    /// All bands, alpha included.
    static func bands(_ output: ImageProcessor.Output, _ x: Int, _ y: Int) throws -> [Double] {
        let decoded = try VipsHandle.checked(output.data.withUnsafeBytes { silo_vips_load($0.baseAddress, $0.count) }, "decode")
        var values = [Double](repeating: -1, count: 4)
        let count = Int(silo_vips_getpoint(decoded.pointer, Int32(x), Int32(y), &values, 4))
        #expect(count >= 3)
        return Array(values.prefix(count))
    }

    /// One colour all over, as PNG.
    static func solid(_ width: Int, _ height: Int, _ rgb: [UInt8]) throws -> Data {
        try VipsRuntime.start()
        let pixels = (0..<(width * height)).flatMap { _ in rgb }
        let image = pixels.withUnsafeBytes {
            vips_image_new_from_memory_copy($0.baseAddress, $0.count, Int32(width), Int32(height), Int32(rgb.count), VIPS_FORMAT_UCHAR)
        }
        return try encode(try VipsHandle.checked(image, "solid"), ".png")
    }

    static func encode(_ handle: VipsHandle, _ suffix: String) throws -> Data {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard silo_vips_save(handle.pointer, suffix, &buffer, &length) == 0, let buffer else { throw VipsRuntime.failure("encoding") }
        defer { g_free(buffer) }
        return Data(bytes: buffer, count: length)
    }

    /// The fixture JPEG (red square top-left as stored) tagged with EXIF orientation `orientation`.
    static func oriented(_ orientation: Int32) throws -> Data {
        let plain = try Fixture.image(400, 300, suffix: ".png")
        let loaded = try VipsHandle.checked(plain.withUnsafeBytes { silo_vips_load($0.baseAddress, $0.count) }, "load")
        let copy = try VipsHandle.checked(silo_vips_linear(loaded.pointer, 1, 0), "copy")
        vips_image_set_int(copy.pointer, "orientation", orientation)
        return try encode(copy, ".jpg[Q=95]")
    }

    @Test func autoOrientTurnsByTheEXIFTag() throws {
        // Orientation 6: the stored picture is shown turned 90° clockwise.
        let source = try Self.oriented(6)
        let info = try JSONSerialization.jsonObject(with: try Self.run(source, "image/info").data) as? [String: [String: String]]
        #expect(info?["Orientation"]?["value"] == "6")
        let upright = try Self.run(source, "image/auto-orient,1/format,png")
        #expect(Fixture.size(upright) == ImageHeader(format: "png", width: 300, height: 400))
        #expect(Fixture.isRed(try Fixture.pixel(upright, 280, 20)), "the stored top-left square is shown top-right")
        let resized = try Self.run(source, "image/auto-orient,1/resize,w_150/format,png")
        #expect(Fixture.size(resized) == ImageHeader(format: "png", width: 150, height: 200))
        #expect(Fixture.isRed(try Fixture.pixel(resized, 140, 10)))
        let asStored = try Self.run(source, "image/auto-orient,0/resize,w_200/format,png")
        #expect(Fixture.size(asStored) == ImageHeader(format: "png", width: 200, height: 150))
        #expect(Fixture.isRed(try Fixture.pixel(asStored, 10, 10)))
    }

    @Test func circleAndRoundedCornersAreTransparentOutside() throws {
        let source = try Fixture.image(200, 150, suffix: ".png")
        let disc = try Self.run(source, "image/circle,r_50/format,png")
        #expect(Fixture.size(disc) == ImageHeader(format: "png", width: 100, height: 100))
        #expect(try Self.bands(disc, 2, 2).last == 0, "outside the circle")
        #expect(try Self.bands(disc, 50, 50).last == 255, "inside")
        // A radius past the shorter side shrinks to it.
        #expect(Fixture.size(try Self.run(source, "image/circle,r_500/format,png")) == ImageHeader(format: "png", width: 150, height: 150))
        let rounded = try Self.run(source, "image/rounded-corners,r_30/format,png")
        #expect(Fixture.size(rounded) == ImageHeader(format: "png", width: 200, height: 150))
        #expect(try Self.bands(rounded, 1, 1).last == 0)
        #expect(try Self.bands(rounded, 198, 148).last == 0)
        #expect(try Self.bands(rounded, 100, 1).last == 255, "the edge between corners stays")
        // JPEG has no alpha: the cut-away corner is white (r_60 keeps the whole first 16 px block outside,
        // so chroma subsampling cannot bleed the red square into it).
        let flattened = try Self.run(source, "image/rounded-corners,r_60/format,jpg")
        #expect(try Fixture.pixel(flattened, 2, 2).allSatisfy { $0 > 240 })
    }

    @Test func indexCropKeepsOneSlice() throws {
        let source = try Fixture.image(400, 300, suffix: ".png")
        let second = try Self.run(source, "image/indexcrop,x_100,i_1/format,png")
        #expect(Fixture.size(second) == ImageHeader(format: "png", width: 100, height: 300))
        #expect(!Fixture.isRed(try Fixture.pixel(second, 10, 10)))
        #expect(Fixture.isRed(try Fixture.pixel(try Self.run(source, "image/indexcrop,y_50,i_0/format,png"), 10, 10)))
        let last = try Self.run(source, "image/indexcrop,y_70,i_4/format,png")
        #expect(Fixture.size(last) == ImageHeader(format: "png", width: 400, height: 20), "the last slice is what is left")
        let beyond = try Self.run(source, "image/indexcrop,x_100,i_9/format,png")
        #expect(Fixture.size(beyond) == ImageHeader(format: "png", width: 400, height: 300), "no such slice: the source")
    }

    /// How many of a grid of pixels in the box differ between two renderings (each decoded once).
    static func changed(_ a: ImageProcessor.Output, _ b: ImageProcessor.Output, x: Range<Int>, y: Range<Int>) throws -> Int {
        let left = try decoded(a), right = try decoded(b)
        var count = 0
        for px in stride(from: x.lowerBound, to: x.upperBound, by: 3) {
            for py in stride(from: y.lowerBound, to: y.upperBound, by: 3) {
                if zip(point(left, px, py), point(right, px, py)).contains(where: { abs($0 - $1) > 30 }) { count += 1 }
            }
        }
        return count
    }

    static func decoded(_ output: ImageProcessor.Output) throws -> VipsHandle {
        try VipsHandle.checked(output.data.withUnsafeBytes { silo_vips_load($0.baseAddress, $0.count) }, "decode")
    }

    static func point(_ image: VipsHandle, _ x: Int, _ y: Int) -> [Double] {
        var values = [Double](repeating: -1, count: 4)
        let count = Int(silo_vips_getpoint(image.pointer, Int32(x), Int32(y), &values, 4))
        return Array(values.prefix(min(3, max(0, count))))
    }

    @Test func textWatermarkChangesPixelsOnlyWhereItIsPlaced() throws {
        let source = try Self.solid(400, 300, [255, 255, 255])
        let plain = try Self.run(source, "image/format,png")
        let text = Base64URL.encode("Silo 图片")
        let marked = try Self.run(source, "image/watermark,text_\(text),color_FF0000,size_40,g_nw,x_10,y_10/format,png")
        #expect(try Self.changed(plain, marked, x: 10..<120, y: 10..<50) > 20, "glyphs in the top-left")
        #expect(try Self.changed(plain, marked, x: 200..<400, y: 150..<300) == 0, "nothing elsewhere")
        // Red ink at some pixel of the text.
        let markedPixels = try Self.decoded(marked)
        var red = false
        for px in stride(from: 10, to: 120, by: 2) where !red {
            for py in stride(from: 12, to: 50, by: 2) where Fixture.isRed(Self.point(markedPixels, px, py)) { red = true }
        }
        #expect(red)
        // South-east with a shadow: the change moves to the bottom right.
        let corner = try Self.run(source, "image/watermark,text_\(text),size_30,shadow_50,g_se,x_10,y_10/format,png")
        #expect(try Self.changed(plain, corner, x: 250..<390, y: 250..<290) > 10)
        #expect(try Self.changed(plain, corner, x: 0..<200, y: 0..<150) == 0)
        // Fully transparent text leaves the image as it was.
        let invisible = try Self.run(source, "image/watermark,text_\(text),t_0,g_center/format,png")
        #expect(try Self.changed(plain, invisible, x: 0..<400, y: 0..<300) == 0)
        #expect(throws: ImagingError.self) { _ = try Self.run(source, "image/watermark,text_\(text),type_\(Base64URL.encode("comic-sans"))") }
    }

    @Test func imageWatermarkIsCompositedScaledAndFaded() throws {
        let source = try Self.solid(400, 300, [255, 255, 255])
        let logo = try Self.solid(40, 40, [0, 0, 255])
        let key = Base64URL.encode("logo.png")
        let marked = try Self.run(source, "image/watermark,image_\(key),g_se,x_10,y_10/format,png", watermarks: ["logo.png": logo])
        #expect(try Fixture.pixel(marked, 370, 270) == [0, 0, 255], "the logo sits 10 px from the bottom-right corner")
        #expect(try Fixture.pixel(marked, 340, 240) == [255, 255, 255])
        let faded = try Self.run(source, "image/watermark,image_\(key),t_50,g_nw,x_0,y_0/format,png", watermarks: ["logo.png": logo])
        let half = try Fixture.pixel(faded, 20, 20)
        #expect(abs(half[0] - 127) < 4 && half[2] == 255, "half opacity mixes blue into white")
        // The watermark's own process: resize to 20 % of the image under it (80×60 → a 60×60 square).
        let processed = Base64URL.encode("logo.png?x-oss-process=image/resize,P_20")
        let scaled = try Self.run(source, "image/watermark,image_\(processed),g_nw,x_0,y_0/format,png", watermarks: ["logo.png": logo])
        #expect(try Fixture.pixel(scaled, 55, 55) == [0, 0, 255])
        #expect(try Fixture.pixel(scaled, 65, 30) == [255, 255, 255])
        // P_ beside the image: the same 20 %.
        let percent = try Self.run(source, "image/watermark,image_\(key),P_20,g_nw,x_0,y_0/format,png", watermarks: ["logo.png": logo])
        #expect(try Fixture.pixel(percent, 55, 55) == [0, 0, 255])
        #expect(throws: ImagingError.self) { _ = try Self.run(source, "image/watermark,image_\(key)") }
        #expect(throws: ImagingError.self) { _ = try Self.run(source, "image/resize,P_20") }
    }

    @Test func averageHueIsTheMeanColour() throws {
        let answer = try Self.run(try Self.solid(300, 200, [0x5C, 0x78, 0x3B]), "image/average-hue")
        #expect(answer.contentType == "application/json")
        #expect(String(decoding: answer.data, as: UTF8.self) == #"{"RGB":"0x5C783B"}"#)
        let cropped = try Self.run(try Fixture.image(400, 300, suffix: ".png"), "image/crop,w_100,h_75/average-hue")
        #expect(String(decoding: cropped.data, as: UTF8.self) == #"{"RGB":"0xFF0000"}"#, "after a crop to the red square")
    }

    @Test(arguments: [(".webp", "webp"), (".gif", "gif"), (".png", "png"), (".jpg", "jpg"), (".tif", "tiff")])
    func everySourceFormatResizesAndKeepsItsFormat(suffix: String, format: String) throws {
        let alpha = suffix == ".webp" || suffix == ".png"
        let source = try Fixture.image(200, 150, alpha: alpha, suffix: suffix)
        let output = try Self.run(source, "image/resize,w_50")
        #expect(output.contentType == ImageEncoder.contentType(ImageProcess.Format(rawValue: format)!))
        let decoded = try Self.decoded(output)
        #expect((decoded.width, decoded.height) == (50, 38), "\(suffix)")
        if alpha {
            // The fixture's right half is transparent; it stays so.
            #expect(try Self.bands(output, 45, 20).last == 0, "\(suffix)")
            #expect(try Self.bands(output, 5, 20).last == 255, "\(suffix)")
        }
        let info = try JSONSerialization.jsonObject(with: try Self.run(source, "image/info").data) as? [String: [String: String]]
        #expect(info?["ImageWidth"]?["value"] == "200" && info?["ImageHeight"]?["value"] == "150", "\(suffix)")
    }

    @Test func formatsThisLibvipsCannotWriteAreRefusedClearly() throws {
        let source = try Fixture.image(40, 30)
        for format in [ImageProcess.Format.heic, .avif, .bmp] {
            if ImageEncoder.canSave(format) {
                #expect(try Self.run(source, "image/format,\(format.rawValue)").contentType == ImageEncoder.contentType(format))
            } else {
                #expect { _ = try Self.run(source, "image/format,\(format.rawValue)") } throws: { error in
                    { if case .unsupported = error as? ImagingError { return true } else { return false } }()
                }
            }
        }
    }
}

/// Animated GIFs keep their frames when only resized; anything else works on the first frame.
@Suite struct AnimatedGIFTests {
    /// Three 120×80 frames: red, green, blue.
    static func animation() throws -> Data {
        try VipsRuntime.start()
        var pixels: [UInt8] = []
        for colour: [UInt8] in [[255, 0, 0], [0, 255, 0], [0, 0, 255]] {
            for _ in 0..<(120 * 80) { pixels += colour }
        }
        let strip = try VipsHandle.checked(pixels.withUnsafeBytes {
            vips_image_new_from_memory_copy($0.baseAddress, $0.count, 120, 240, 3, VIPS_FORMAT_UCHAR)
        }, "strip")
        let copy = try VipsHandle.checked(silo_vips_linear(strip.pointer, 1, 0), "copy")
        vips_image_set_int(copy.pointer, "page-height", 80)
        return try ImageEffectsTests.encode(copy, ".gif")
    }

    static func frames(_ output: ImageProcessor.Output) throws -> (width: Int, frameHeight: Int, count: Int) {
        let pages = try VipsHandle.checked(output.data.withUnsafeBytes { silo_vips_load_pages($0.baseAddress, $0.count) }, "decode")
        return (pages.width, pages.frameHeight, pages.height / pages.frameHeight)
    }

    @Test func resizingKeepsEveryFrame() throws {
        let source = try Self.animation()
        let resized = try ImageEffectsTests.run(source, "image/resize,w_60")
        #expect(resized.contentType == "image/gif")
        #expect(try Self.frames(resized) == (60, 40, 3))
        let pages = try VipsHandle.checked(resized.data.withUnsafeBytes { silo_vips_load_pages($0.baseAddress, $0.count) }, "decode")
        var pixel = [Double](repeating: 0, count: 4)
        _ = silo_vips_getpoint(pages.pointer, 5, 40 + 5, &pixel, 4)
        #expect(pixel[1] > 200 && pixel[0] < 60, "the second frame is still green")
        #expect(try Self.frames(try ImageEffectsTests.run(source, "image/resize,m_fixed,w_30,h_30/format,gif")) == (30, 30, 3))
        // Cutting, other formats or other operations: the first frame only.
        let cropped = try ImageEffectsTests.run(source, "image/resize,m_fill,w_30,h_30")
        #expect(try Self.frames(cropped).count == 1)
        let png = try ImageEffectsTests.run(source, "image/resize,w_60/format,png")
        #expect(ImageProcessorTests.size(png) == ImageHeader(format: "png", width: 60, height: 40))
    }
}
