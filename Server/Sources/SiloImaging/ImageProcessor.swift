import CVips
import CVipsShim
import Foundation
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
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) throws(OSSError) {
        try VipsRuntime.start()
        self.limits = limits
    }

    public func process(_ source: Data, pipeline: ImagePipeline) throws(OSSError) -> Output {
        guard source.count <= limits.maxSourceBytes else {
            throw OSSError(status: 400, code: "ImageTooLarge", message: "The source image is larger than 20 MB.")
        }
        // libvips reads the encoded bytes lazily, for as long as any image made from them lives: they stay in
        // this buffer until `run` has returned and dropped every image.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, source.count), alignment: 16)
        defer { buffer.deallocate() }
        source.copyBytes(to: buffer)
        return try run(UnsafeRawBufferPointer(rebasing: buffer[0..<source.count]), source: source, pipeline: pipeline)
    }

    func checkSource(_ width: Int, _ height: Int) throws(OSSError) {
        guard width <= limits.maxSide, height <= limits.maxSide, width * height <= limits.maxPixels else {
            throw OSSError(status: 400, code: "ImageTooLarge", message: "The image is \(width)x\(height), over the limits.")
        }
    }

    private func run(_ bytes: UnsafeRawBufferPointer, source: Data, pipeline: ImagePipeline) throws(OSSError) -> Output {
        // Our own header reader first, so a decompression bomb never reaches a decoder; then libvips's.
        if let sniffed = ImageHeader.sniff(source.prefix(ImageHeader.sniffLength)) { try checkSource(sniffed.width, sniffed.height) }
        let header = try VipsHandle.checked(silo_vips_load(bytes.baseAddress, bytes.count), "Reading the image")
        try checkSource(header.width, header.height)
        let sourceFormat = Self.format(of: source) ?? .jpg
        var operations = pipeline.operations[...]
        if operations.contains(where: { $0 == .info }) {
            return Output(data: Self.info(source: source, image: header, format: sourceFormat), contentType: "application/json")
        }

        var orient = false
        if case .autoOrient(let on)? = operations.first {
            orient = on
            operations = operations.dropFirst()
        }
        var image: VipsHandle
        if case .resize(let resize)? = operations.first {
            // Shrink on load to the planned size, then cut or pad.
            let plan = ResizePlan.make(resize, sourceWidth: header.width, sourceHeight: header.height)
            try checkOutput(plan.finalWidth, plan.finalHeight)
            image = try VipsHandle.checked(silo_vips_thumbnail(bytes.baseAddress, bytes.count, Int32(plan.scaledWidth),
                                                               Int32(plan.scaledHeight), 3 /* force */, 0, orient ? 0 : 1), "Resizing")
            image = try finish(image, plan: plan, color: resize.color)
            operations = operations.dropFirst()
        } else {
            image = header
            if orient { image = try VipsHandle.checked(silo_vips_autorot(image.pointer), "Orienting") }
        }

        var format = sourceFormat
        var quality: Int?
        var interlace = false
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
            case .crop(let crop):
                image = try self.crop(image, crop)
            case .rotate(let degrees):
                image = try rotate(image, degrees)
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
                format = requested
            case .quality(let relative, let absolute):
                quality = absolute ?? relative
            case .interlace(let on):
                interlace = on
            default:
                throw OSSError.notImplemented("The image operation \(operation.canonical.prefix { $0 != "," }) is not supported yet.")
            }
        }
        return try encode(image, format: format, quality: quality, interlace: interlace)
    }

    /// `x`/`y` count from the `g` anchor; a box reaching past the edge is clipped, an origin outside is refused.
    func crop(_ image: VipsHandle, _ crop: ImageOperation.Crop) throws(OSSError) -> VipsHandle {
        let width = min(crop.width ?? image.width, image.width)
        let height = min(crop.height ?? image.height, image.height)
        let column: Int
        switch crop.gravity {
        case .nw, .west, .sw: column = 0
        case .north, .center, .south: column = (image.width - width) / 2
        case .ne, .east, .se: column = image.width - width
        }
        let row: Int
        switch crop.gravity {
        case .nw, .north, .ne: row = 0
        case .west, .center, .east: row = (image.height - height) / 2
        case .sw, .south, .se: row = image.height - height
        }
        let left = column + crop.x
        let top = row + crop.y
        guard left < image.width, top < image.height else {
            throw OSSError.badRequest("Advance cut's position is out of image.")
        }
        return try VipsHandle.checked(silo_vips_extract(image.pointer, Int32(left), Int32(top), Int32(min(width, image.width - left)),
                                                        Int32(min(height, image.height - top))), "Cropping")
    }

    /// Clockwise; right angles exactly, others on a white, larger canvas. Spec §14.2: sources up to 4096×4096.
    func rotate(_ image: VipsHandle, _ degrees: Int) throws(OSSError) -> VipsHandle {
        guard image.width <= 4096, image.height <= 4096 else {
            throw OSSError(status: 400, code: "ImageTooLarge", message: "Rotation takes images up to 4096x4096.")
        }
        switch degrees % 360 {
        case 0: return image
        case 90: return try VipsHandle.checked(silo_vips_rot(image.pointer, 1), "Rotating")
        case 180: return try VipsHandle.checked(silo_vips_rot(image.pointer, 2), "Rotating")
        case 270: return try VipsHandle.checked(silo_vips_rot(image.pointer, 3), "Rotating")
        default: return try VipsHandle.checked(silo_vips_rotate(image.pointer, Double(degrees)), "Rotating")
        }
    }

    func checkOutput(_ width: Int, _ height: Int) throws(OSSError) {
        guard width <= limits.maxOutputSide, height <= limits.maxOutputSide, width * height <= limits.maxOutputPixels else {
            throw OSSError(status: 400, code: "ImageTooLarge", message: "The result would be \(width)x\(height), over the limits.")
        }
    }

    /// `fill` cuts the centre; `pad` centres on a canvas of `color`.
    func finish(_ image: VipsHandle, plan: ResizePlan, color: RGBColor) throws(OSSError) -> VipsHandle {
        if plan.crops {
            let left = max(0, (image.width - plan.finalWidth) / 2)
            let top = max(0, (image.height - plan.finalHeight) / 2)
            return try VipsHandle.checked(silo_vips_extract(image.pointer, Int32(left), Int32(top), Int32(min(plan.finalWidth, image.width)),
                                                            Int32(min(plan.finalHeight, image.height))), "Cropping")
        }
        if plan.pads {
            let x = (plan.finalWidth - image.width) / 2
            let y = (plan.finalHeight - image.height) / 2
            return try VipsHandle.checked(silo_vips_embed(image.pointer, Int32(x), Int32(y), Int32(plan.finalWidth), Int32(plan.finalHeight),
                                                          Double(color.red), Double(color.green), Double(color.blue)), "Padding")
        }
        return image
    }

    func encode(_ image: VipsHandle, format: ImageProcess.Format, quality: Int?, interlace: Bool) throws(OSSError) -> Output {
        var image = image
        let options: String
        switch format {
        case .jpg:
            // JPEG has no alpha: flatten onto white, as the service does.
            if image.hasAlpha { image = try VipsHandle.checked(silo_vips_flatten(image.pointer, 255, 255, 255), "Flattening") }
            options = ".jpg[Q=\(quality ?? 90),interlace=\(interlace),strip=true]"
        case .png: options = ".png[interlace=\(interlace),strip=true]"
        case .webp: options = ".webp[Q=\(quality ?? 90),strip=true]"
        case .gif: options = ".gif"
        case .tiff: options = ".tif"
        case .bmp: throw OSSError.notImplemented("BMP output is not supported by this server's libvips.")
        case .heic: options = ".heic[Q=\(quality ?? 50)]"
        case .avif: options = ".avif[Q=\(quality ?? 50)]"
        }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard silo_vips_save(image.pointer, options, &buffer, &length) == 0, let buffer else {
            throw VipsRuntime.failure("Encoding \(format.rawValue)")
        }
        defer { g_free(buffer) }
        return Output(data: Data(bytes: buffer, count: length), contentType: Self.contentType(format))
    }

    static func contentType(_ format: ImageProcess.Format) -> String {
        switch format {
        case .jpg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .tiff: "image/tiff"
        case .bmp: "image/bmp"
        case .heic: "image/heic"
        case .avif: "image/avif"
        }
    }

    static func format(of data: Data) -> ImageProcess.Format? {
        guard let header = ImageHeader.sniff(data.prefix(ImageHeader.sniffLength)) else { return nil }
        return ImageProcess.Format(rawValue: header.format)
    }

    /// Spec §14.3: every value a string inside `{"value": …}`.
    static func info(source: Data, image: VipsHandle, format: ImageProcess.Format) -> Data {
        let fields = ["FileSize": String(source.count), "Format": format.rawValue, "ImageHeight": String(image.height),
                      "ImageWidth": String(image.width)]
        let object = fields.mapValues { ["value": $0] }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
