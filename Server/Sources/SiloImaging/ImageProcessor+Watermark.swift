import CVips
import CVipsShim
import SiloCore

/// Text and image watermarks, composited over the image with the service's placement rules.
extension ImageProcessor {
    func apply(_ watermark: ImageOperation.Watermark, to image: VipsHandle, context: Context) throws(ImagingError) -> VipsHandle {
        let opacity = Double(watermark.opacity) / 100
        var mark: VipsHandle
        var tile = false
        switch watermark.content {
        case .text(let text, let font, let color, let size, let shadow, let rotate, let fill):
            mark = try textMark(text, font: font, color: color, size: size, opacity: opacity, shadow: Double(shadow) / 100 * opacity)
            if rotate % 360 != 0 {
                mark = try VipsHandle.checked(silo_vips_rotate_clear(mark.pointer, Double(rotate)), "Rotating the watermark")
            }
            tile = fill
        case .image(let key, let process, let percent):
            mark = try imageMark(key: key, process: process, base: image, context: context)
            if let percent {
                let scale = WatermarkLayout.scale(markWidth: mark.width, markHeight: mark.height, baseWidth: image.width,
                                                  baseHeight: image.height, percent: percent)
                mark = try VipsHandle.checked(silo_vips_resize(mark.pointer, scale, scale), "Scaling the watermark")
            }
            mark = try VipsHandle.checked(silo_vips_with_opacity(mark.pointer, opacity), "Watermark opacity")
        }
        if tile {
            mark = try VipsHandle.checked(silo_vips_tile(mark.pointer, Int32(image.width), Int32(image.height),
                                                         Int32(max(mark.width, mark.height) / 2)), "Tiling the watermark")
            return try VipsHandle.checked(silo_vips_composite(image.pointer, mark.pointer, 0, 0), "Watermarking")
        }
        let origin = WatermarkLayout.origin(baseWidth: image.width, baseHeight: image.height, width: mark.width, height: mark.height,
                                            gravity: watermark.gravity, x: watermark.x, y: watermark.y,
                                            verticalOffset: watermark.verticalOffset)
        return try VipsHandle.checked(silo_vips_composite(image.pointer, mark.pointer, Int32(origin.x), Int32(origin.y)), "Watermarking")
    }

    /// The text in one colour on transparency; with a shadow, a black copy beneath, offset down and right.
    func textMark(_ text: String, font: String, color: RGBColor, size: Int, opacity: Double, shadow: Double) throws(ImagingError)
        -> VipsHandle
    {
        let description = "\(try WatermarkLayout.family(for: font)) \(size)"
        let markup = WatermarkLayout.escapeMarkup(text)
        let glyphs = try VipsHandle.checked(silo_vips_text(markup, description, Double(color.red), Double(color.green),
                                                           Double(color.blue), opacity), "Drawing the text watermark")
        guard shadow > 0 else { return glyphs }
        let offset = max(1, size / 20)
        let dark = try VipsHandle.checked(silo_vips_text(markup, description, 0, 0, 0, shadow), "Drawing the text shadow")
        let width = Int32(glyphs.width + offset), height = Int32(glyphs.height + offset)
        let canvas = try VipsHandle.checked(silo_vips_embed_clear(dark.pointer, Int32(offset), Int32(offset), width, height), "Shadow")
        return try VipsHandle.checked(silo_vips_composite(canvas.pointer, glyphs.pointer, 0, 0), "Shadow")
    }

    /// The watermark object decoded, and processed by its own `x-oss-process` when it has one.
    func imageMark(key: String, process: String?, base: VipsHandle, context: Context) throws(ImagingError) -> VipsHandle {
        guard let bytes = context.watermarks[key] else {
            throw ImagingError.watermark("The watermark image \(key) could not be read.")
        }
        var pipeline = ImagePipeline(operations: [])
        if let process {
            let request: ProcessRequest
            do {
                request = try ProcessRequest.parse(process)
            } catch {
                throw ImagingError.invalidProcess("The watermark image's process is invalid: \(error.message)")
            }
            guard case .image(let parsed) = request else {
                throw ImagingError.watermark("A watermark image takes an image/ process, not a style.")
            }
            pipeline = parsed
        }
        guard !pipeline.answersJSON else {
            throw ImagingError.watermark("A watermark image's process must produce an image.")
        }
        guard case .image(let mark, _) = try render(bytes, pipeline: pipeline, context: context, base: (base.width, base.height)) else {
            throw ImagingError.watermark("A watermark image's process must produce an image.")
        }
        return mark
    }
}
