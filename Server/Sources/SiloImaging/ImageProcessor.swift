import CVips
import CVipsShim
import Foundation
import NIOCore
import NIOFoundationCompat
import SiloCore

/// Runs an `ImagePipeline` over an image's bytes with libvips. A leading resize shrinks on load, so a 12 MP
/// JPEG is never decoded at full size for a thumbnail. Limits are checked on the header, before any decoding.
public struct ImageProcessor: Sendable {
    public struct Limits: Sendable {
        /// Spec §14.2.
        public var maxSourceBytes = 20 * 1024 * 1024
        public var maxSide = 30_000
        public var maxPixels = 250_000_000
        public var maxOutputSide = 16_384
        public var maxOutputPixels = 16_777_216

        public init() {}
    }

    public struct Output: Sendable {
        public var data: Data
        public var contentType: String

        public init(data: Data, contentType: String) {
            self.data = data
            self.contentType = contentType
        }
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) throws(ImagingError) {
        try VipsRuntime.start()
        self.limits = limits
    }

    /// `watermarks` holds the bytes of the objects the pipeline's image watermarks name, by key.
    public func process(_ source: Data, pipeline: ImagePipeline, watermarks: [String: Data] = [:]) throws(ImagingError) -> Output {
        try process(ByteBuffer(data: source), pipeline: pipeline, watermarks: watermarks.mapValues { ByteBuffer(data: $0) })
    }

    public func process(_ source: ByteBuffer, pipeline: ImagePipeline, watermarks: [String: ByteBuffer]) throws(ImagingError) -> Output {
        try process(ImageSource(source), pipeline: pipeline, watermarks: watermarks)
    }

    public func process(_ source: ImageSource, pipeline: ImagePipeline, watermarks: [String: ByteBuffer]) throws(ImagingError) -> Output {
        guard source.count <= limits.maxSourceBytes else {
            throw ImagingError.tooLarge("The source image is larger than 20 MB.")
        }
        guard source.count > 0 else { throw ImagingError.badImage("Reading the image failed: the object is empty.") }
        let inputs = InputBytes()
        var marks: [String: UnsafeRawBufferPointer] = [:]
        for (key, data) in watermarks { marks[key] = try inputs.hold(data, limit: limits.maxSourceBytes) }
        let context = Context(inputs: inputs, watermarks: marks)
        // The source is read in place: libvips sees it only inside this closure, and every image made from it
        // is dropped before the closure returns.
        let result = source.withBytes { bytes in
            Result { () throws(ImagingError) -> Output in
                switch try render(bytes, pipeline: pipeline, context: context, base: nil) {
                case .json(let data): return Output(data: data, contentType: "application/json")
                case .image(let image, let encoding): return try encode(image, encoding)
                }
            }
        }
        return try withExtendedLifetime(inputs) { () throws(ImagingError) -> Output in try result.get() }
    }

    /// Encoded inputs copied once into memory libvips may read for as long as any image made from them lives.
    final class InputBytes {
        private var buffers: [UnsafeMutableRawBufferPointer] = []

        func hold(_ data: ByteBuffer, limit: Int) throws(ImagingError) -> UnsafeRawBufferPointer {
            let count = data.readableBytes
            guard count <= limit else {
                throw ImagingError.tooLarge("The watermark image is larger than 20 MB.")
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 16)
            data.withUnsafeReadableBytes { buffer.copyMemory(from: $0) }
            buffers.append(buffer)
            return UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        }

        deinit { for buffer in buffers { buffer.deallocate() } }
    }

    struct Context {
        let inputs: InputBytes
        let watermarks: [String: UnsafeRawBufferPointer]
    }

    struct Encoding {
        var format: ImageProcess.Format
        var quality: Int?
        var interlace = false
    }

    enum Rendered {
        case image(VipsHandle, Encoding)
        case json(Data)
    }

    func checkSource(_ width: Int, _ height: Int) throws(ImagingError) {
        guard width <= limits.maxSide, height <= limits.maxSide, width * height <= limits.maxPixels else {
            throw ImagingError.tooLarge("The image is \(width)x\(height), over the limits.")
        }
    }

    func checkOutput(_ width: Int, _ height: Int) throws(ImagingError) {
        guard width <= limits.maxOutputSide, height <= limits.maxOutputSide, width * height <= limits.maxOutputPixels else {
            throw ImagingError.tooLarge("The result would be \(width)x\(height), over the limits.")
        }
    }

    /// `base`: the size of the image this one watermarks, when it is a watermark.
    func render(_ bytes: UnsafeRawBufferPointer, pipeline: ImagePipeline, context: Context, base: (width: Int, height: Int)?)
        throws(ImagingError) -> Rendered
    {
        // Our own header reader first, so a decompression bomb never reaches a decoder; then libvips's.
        let head = Data(bytes: bytes.baseAddress!, count: min(bytes.count, ImageHeader.sniffLength))
        let sniffed = ImageHeader.sniff(head)
        if let sniffed { try checkSource(sniffed.width, sniffed.height) }
        var operations = try Self.resolvePercentOfBase(pipeline.operations, base: base)[...]
        var encoding = Encoding(format: sniffed.flatMap { ImageProcess.Format(rawValue: $0.format) } ?? .jpg)
        var image: VipsHandle
        if let fast = try jpegFastStart(bytes, sniffed: sniffed, operations: operations) {
            image = fast
            operations = operations.dropFirst()
        } else if let animated = try animatedResize(bytes, sniffed: sniffed, operations: operations) {
            image = animated
            operations = operations.dropFirst()
        } else {
            let header = try VipsHandle.checked(silo_vips_load(bytes.baseAddress, bytes.count), "Reading the image")
            try checkSource(header.width, header.height)
            // Formats our sniffer does not read (TIFF) are named by the loader libvips chose.
            let sourceFormat = sniffed.flatMap { ImageProcess.Format(rawValue: $0.format) } ?? Self.format(loadedBy: header)
            if operations.contains(where: { $0 == .info }) {
                return .json(ImageReport.info(size: bytes.count, image: header, format: sourceFormat?.rawValue ?? sniffed?.format ?? "jpg"))
            }
            if let sourceFormat, ImageEncoder.canSave(sourceFormat) { encoding.format = sourceFormat }
            var orient = false
            if case .autoOrient(let on)? = operations.first {
                orient = on
                operations = operations.dropFirst()
            }
            if case .resize(let resize)? = operations.first {
                // Shrink on load to the planned size, then cut or pad. EXIF orientations 5–8 swap the sides.
                let turned = orient && (5...8).contains(silo_vips_orientation(header.pointer))
                let plan = ResizePlan.make(resize, sourceWidth: turned ? header.height : header.width,
                                           sourceHeight: turned ? header.width : header.height)
                try checkOutput(plan.finalWidth, plan.finalHeight)
                image = try VipsHandle.checked(silo_vips_thumbnail(bytes.baseAddress, bytes.count, Int32(plan.scaledWidth),
                                                                   Int32(plan.scaledHeight), 3 /* force */, 0, orient ? 0 : 1), "Resizing")
                image = try finish(image, plan: plan, color: resize.color)
                operations = operations.dropFirst()
            } else if operations.first == .averageHue {
                // The mean colour of a 256 px thumbnail is the mean colour, for a fraction of the decoding.
                image = try VipsHandle.checked(silo_vips_thumbnail(bytes.baseAddress, bytes.count, 256, 256, 2, 0, 1), "Reading")
            } else {
                image = header
                if orient { image = try VipsHandle.checked(silo_vips_autorot(image.pointer), "Orienting") }
            }
        }

        for operation in operations {
            switch operation {
            case .resize(let resize):
                let plan = ResizePlan.make(resize, sourceWidth: image.width, sourceHeight: image.height)
                try checkOutput(plan.finalWidth, plan.finalHeight)
                image = try VipsHandle.checked(silo_vips_resize(image.pointer, Double(plan.scaledWidth) / Double(image.width),
                                                                Double(plan.scaledHeight) / Double(image.height)), "Resizing")
                image = try finish(image, plan: plan, color: resize.color)
            case .autoOrient(let on):
                if on { image = try VipsHandle.checked(silo_vips_autorot(image.pointer), "Orienting") }
            case .crop(let crop): image = try self.crop(image, crop)
            case .indexCrop(let horizontal, let size, let index): image = try indexCrop(image, horizontal: horizontal, size: size, index: index)
            case .circle(let radius): image = try circle(image, radius: radius)
            case .roundedCorners(let radius): image = try roundedCorners(image, radius: radius)
            case .rotate(let degrees): image = try rotate(image, degrees)
            case .blur(_, let sigma):
                image = try VipsHandle.checked(silo_vips_gaussblur(image.pointer, Double(sigma)), "Blurring")
            case .sharpen(let amount):
                image = try VipsHandle.checked(silo_vips_sharpen(image.pointer, Double(amount) / 200 + 0.5), "Sharpening")
            case .bright(let value):
                image = try VipsHandle.checked(silo_vips_linear(image.pointer, 1, Double(value) * 2.55), "Brightening")
            case .contrast(let value):
                let gain = 1 + Double(value) / 100
                image = try VipsHandle.checked(silo_vips_linear(image.pointer, gain, 128 * (1 - gain)), "Changing contrast")
            case .format(let requested):
                try ImageEncoder.checkSupported(requested)
                encoding.format = requested
            case .quality(let relative, let absolute): encoding.quality = absolute ?? relative
            case .interlace(let on): encoding.interlace = on
            case .watermark(let watermark):
                if base != nil { throw ImagingError.watermark("A watermark image cannot carry watermarks.") }
                image = try apply(watermark, to: image, context: context)
            case .averageHue:
                return .json(try ImageReport.averageHue(image))
            case .info:
                break  // answered above
            }
            try checkOutput(image.width, image.frameHeight)
        }
        return .image(image, encoding)
    }

    static func format(loadedBy image: VipsHandle) -> ImageProcess.Format? {
        guard let loader = silo_vips_loader(image.pointer).map({ String(cString: $0) }) else { return nil }
        let prefixes: [(String, ImageProcess.Format)] = [("jpegload", .jpg), ("pngload", .png), ("webpload", .webp), ("gifload", .gif),
                                                        ("tiffload", .tiff), ("heifload", .heic)]
        return prefixes.first { loader.hasPrefix($0.0) }?.1
    }

    /// The thumbnail fast path: a JPEG whose first step is a resize (no auto-orient, no info) is scaled by
    /// libjpeg while decoding, with no libvips header pass, then reduced bicubically to the planned size.
    func jpegFastStart(_ bytes: UnsafeRawBufferPointer, sniffed: ImageHeader?, operations: ArraySlice<ImageOperation>)
        throws(ImagingError) -> VipsHandle?
    {
        guard let sniffed, sniffed.format == "jpg", case .resize(let resize)? = operations.first,
            !operations.contains(where: { $0 == .info })
        else { return nil }
        let plan = ResizePlan.make(resize, sourceWidth: sniffed.width, sourceHeight: sniffed.height)
        try checkOutput(plan.finalWidth, plan.finalHeight)
        guard let decoded = Self.jpegShrinkOnLoad(bytes, width: sniffed.width, height: sniffed.height, plan: plan) else { return nil }
        let image = try VipsHandle.checked(silo_vips_resize_cubic(decoded.pointer, Double(plan.scaledWidth) / Double(decoded.width),
                                                                  Double(plan.scaledHeight) / Double(decoded.height)), "Resizing")
        return try finish(image, plan: plan, color: resize.color)
    }

    /// An animated GIF stays animated when the pipeline only resizes it (without cutting or padding) and keeps
    /// GIF output; every frame is resized. Other pipelines work on the first frame. The pixel limit counts
    /// every frame, as the service's does.
    func animatedResize(_ bytes: UnsafeRawBufferPointer, sniffed: ImageHeader?, operations: ArraySlice<ImageOperation>)
        throws(ImagingError) -> VipsHandle?
    {
        guard sniffed?.format == "gif", case .resize(let resize)? = operations.first, ![.fill, .pad].contains(resize.mode),
            operations.dropFirst().allSatisfy({ operation in
                switch operation {
                case .format(let format): return format == .gif
                case .quality, .interlace: return true
                default: return false
                }
            })
        else { return nil }
        let pages = try VipsHandle.checked(silo_vips_load_pages(bytes.baseAddress, bytes.count), "Reading the image")
        let frameHeight = Int(silo_vips_page_height(pages.pointer))
        let frames = max(1, pages.height / max(1, frameHeight))
        guard frames > 1 else { return nil }
        try checkSource(pages.width, frameHeight)
        guard pages.width * pages.height <= limits.maxPixels else {
            throw ImagingError.tooLarge("The animation has \(frames) frames of \(pages.width)x\(frameHeight), over the limits.")
        }
        let plan = ResizePlan.make(resize, sourceWidth: pages.width, sourceHeight: frameHeight)
        try checkOutput(plan.finalWidth, plan.finalHeight)
        guard plan.finalWidth * plan.finalHeight * frames <= limits.maxOutputPixels else {
            throw ImagingError.tooLarge("The resized animation would be over the output limits.")
        }
        return try VipsHandle.checked(silo_vips_thumbnail_pages(bytes.baseAddress, bytes.count, Int32(plan.scaledWidth),
                                                                Int32(plan.scaledHeight), 3 /* force */), "Resizing")
    }

    /// libjpeg's DCT scaling by the largest of 8, 4, 2 that keeps the decode at least the planned size; nil when
    /// it does not apply (no shrink, or a JPEG libjpeg alone should not decode), for libvips's thumbnail instead.
    static func jpegShrinkOnLoad(_ bytes: UnsafeRawBufferPointer, width: Int, height: Int, plan: ResizePlan) -> VipsHandle? {
        guard let shrink = [8, 4, 2].first(where: { factor in
            (width + factor - 1) / factor >= plan.scaledWidth && (height + factor - 1) / factor >= plan.scaledHeight
        }) else { return nil }
        guard let pointer = silo_jpeg_shrink_load(bytes.baseAddress, bytes.count, Int32(shrink), 0, nil) else {
            _ = silo_vips_take_error().map { g_free($0) }
            return nil
        }
        return VipsHandle(pointer)
    }

    /// `resize,P_n` sizes a watermark image to n % of the image under it; anywhere else it means nothing.
    static func resolvePercentOfBase(_ operations: [ImageOperation], base: (width: Int, height: Int)?) throws(ImagingError)
        -> [ImageOperation]
    {
        var resolved: [ImageOperation] = []
        for operation in operations {
            guard case .resize(var resize) = operation, let percent = resize.percentOfBase else {
                resolved.append(operation)
                continue
            }
            guard let base else {
                throw ImagingError.invalidProcess("resize,P_ applies only inside a watermark image's process.")
            }
            resize = ImageOperation.Resize()
            resize.mode = .lfit
            resize.width = max(1, base.width * percent / 100)
            resize.height = max(1, base.height * percent / 100)
            resize.enlarge = true
            resolved.append(.resize(resize))
        }
        return resolved
    }

    func encode(_ image: VipsHandle, _ encoding: Encoding) throws(ImagingError) -> Output {
        try ImageEncoder.encode(image, format: encoding.format, quality: encoding.quality, interlace: encoding.interlace)
    }
}
