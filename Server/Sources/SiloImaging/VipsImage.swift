import CVips
import CVipsShim
import Foundation
import SiloCore

/// One libvips image reference, released when dropped.
final class VipsHandle {
    let pointer: UnsafeMutablePointer<VipsImage>

    init(_ pointer: UnsafeMutablePointer<VipsImage>) {
        self.pointer = pointer
    }

    deinit { g_object_unref(pointer) }

    var width: Int { Int(vips_image_get_width(pointer)) }
    var height: Int { Int(vips_image_get_height(pointer)) }
    var bands: Int { Int(vips_image_get_bands(pointer)) }
    var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
    /// One frame's height: the whole height unless the image holds an animation's frames stacked.
    var frameHeight: Int { Int(silo_vips_page_height(pointer)) }

    /// Wraps a new reference from the shim, or turns libvips's error into a 400.
    static func checked(_ pointer: UnsafeMutablePointer<VipsImage>?, _ what: String) throws(ImagingError) -> VipsHandle {
        guard let pointer else { throw VipsRuntime.failure(what) }
        return VipsHandle(pointer)
    }
}

/// libvips started once per process.
public enum VipsRuntime {
    private static let started: Bool = silo_vips_start() == 0

    public static func start() throws(ImagingError) {
        guard started else { throw ImagingError.internalFailure("libvips failed to start.") }
    }

    /// The pending libvips error, cleared: bad input is the caller's fault unless proven otherwise.
    static func failure(_ what: String) -> ImagingError {
        var detail = ""
        if let text = silo_vips_take_error() {
            detail = String(cString: text).split(separator: "\n").first.map(String.init) ?? ""
            g_free(text)
        }
        return ImagingError.badImage("\(what) failed: \(detail.isEmpty ? "the image could not be processed" : detail).")
    }
}
