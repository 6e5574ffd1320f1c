import CVips
import CVipsShim
import Foundation
import SiloCore

/// Output formats through libvips's savers; which ones exist depends on how libvips was built here.
enum ImageEncoder {
    /// Savers come from libvips's modules: on Debian 12, heic through libheif and bmp through ImageMagick, but no
    /// AVIF encoder. A format without a saver is refused clearly, not failed late.
    static func checkSupported(_ format: ImageProcess.Format) throws(ImagingError) {
        guard canSave(format) else {
            throw ImagingError.unsupported("The output format \(format.rawValue) is not supported by this server's libvips.")
        }
    }

    static func canSave(_ format: ImageProcess.Format) -> Bool {
        switch format {
        case .heic: supportsHEIC
        case .avif: supportsAVIF
        case .bmp: supportsBMP
        default: true
        }
    }

    private static let supportsHEIC = silo_vips_can_save(".heic") != 0
    private static let supportsAVIF = silo_vips_can_save(".avif") != 0
    private static let supportsBMP = silo_vips_can_save(".bmp") != 0

    static func encode(_ image: VipsHandle, format: ImageProcess.Format, quality: Int?, interlace: Bool) throws(ImagingError)
        -> ImageProcessor.Output
    {
        try checkSupported(format)
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
        case .heic: options = ".heic[Q=\(quality ?? 50)]"
        case .avif: options = ".avif[Q=\(quality ?? 50)]"
        case .bmp: options = ".bmp"
        }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard silo_vips_save(image.pointer, options, &buffer, &length) == 0, let buffer else {
            throw VipsRuntime.failure("Encoding \(format.rawValue)")
        }
        defer { g_free(buffer) }
        return ImageProcessor.Output(data: Data(bytes: buffer, count: length), contentType: contentType(format))
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
}

/// The JSON answers: `info` and `average-hue` (spec §14.3).
enum ImageReport {
    /// Every value a string inside `{"value": …}`; the EXIF orientation when the image has one.
    static func info(size: Int, image: VipsHandle, format: String) -> Data {
        var fields = ["FileSize": String(size), "Format": format, "ImageHeight": String(image.height),
                      "ImageWidth": String(image.width)]
        let orientation = silo_vips_orientation(image.pointer)
        if orientation > 0 { fields["Orientation"] = String(orientation) }
        let object = fields.mapValues { ["value": $0] }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// `{"RGB": "0xRRGGBB"}`, the mean colour.
    static func averageHue(_ image: VipsHandle) throws(ImagingError) -> Data {
        var means = [Double](repeating: 0, count: 3)
        guard silo_vips_mean_rgb(image.pointer, &means) == 0 else { throw VipsRuntime.failure("Averaging the colour") }
        let color = RGBColor(red: channel(means[0]), green: channel(means[1]), blue: channel(means[2]))
        return Data("{\"RGB\":\"0x\(color.hex)\"}".utf8)
    }

    private static func channel(_ value: Double) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }
}
