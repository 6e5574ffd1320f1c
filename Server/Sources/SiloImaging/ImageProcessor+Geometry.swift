import CVips
import CVipsShim
import SiloCore

/// Cuts, turns and shapes.
extension ImageProcessor {
    /// `x`/`y` count from the `g` anchor; a box reaching past the edge is clipped, an origin outside is refused.
    func crop(_ image: VipsHandle, _ crop: ImageOperation.Crop) throws(ImagingError) -> VipsHandle {
        let width = min(crop.width ?? image.width, image.width)
        let height = min(crop.height ?? image.height, image.height)
        let anchor = WatermarkLayout.origin(baseWidth: image.width, baseHeight: image.height, width: width, height: height,
                                            gravity: crop.gravity, x: 0, y: 0, verticalOffset: 0)
        let left = anchor.x + crop.x
        let top = anchor.y + crop.y
        guard left < image.width, top < image.height else {
            throw ImagingError.badImage("Advance cut's position is out of image.")
        }
        return try VipsHandle.checked(silo_vips_extract(image.pointer, Int32(left), Int32(top), Int32(min(width, image.width - left)),
                                                        Int32(min(height, image.height - top))), "Cropping")
    }

    /// Slices of `size` pixels along one axis; slice `index`, or the image unchanged when there is no such slice.
    func indexCrop(_ image: VipsHandle, horizontal: Bool, size: Int, index: Int) throws(ImagingError) -> VipsHandle {
        let length = horizontal ? image.width : image.height
        let start = index * size
        guard start < length else { return image }
        let extent = min(size, length - start)
        let (left, top, width, height) = horizontal
            ? (start, 0, extent, image.height) : (0, start, image.width, extent)
        return try VipsHandle.checked(silo_vips_extract(image.pointer, Int32(left), Int32(top), Int32(width), Int32(height)), "Cropping")
    }

    /// The centred disc of radius `r` (at most half the shorter side) on a transparent square.
    func circle(_ image: VipsHandle, radius: Int) throws(ImagingError) -> VipsHandle {
        let radius = min(radius, min(image.width, image.height) / 2)
        guard radius > 0 else { return image }
        let side = 2 * radius
        let square = try VipsHandle.checked(silo_vips_extract(image.pointer, Int32((image.width - side) / 2),
                                                              Int32((image.height - side) / 2), Int32(side), Int32(side)), "Cropping")
        return try VipsHandle.checked(silo_vips_mask_shape(square.pointer, 0, Int32(radius)), "Masking a circle")
    }

    /// Corners rounded with radius `r` (at most half the shorter side), outside them transparent.
    func roundedCorners(_ image: VipsHandle, radius: Int) throws(ImagingError) -> VipsHandle {
        let radius = min(radius, min(image.width, image.height) / 2)
        guard radius > 0 else { return image }
        return try VipsHandle.checked(silo_vips_mask_shape(image.pointer, 1, Int32(radius)), "Rounding corners")
    }

    /// Clockwise; right angles exactly, others on a white, larger canvas. Spec §14.2: sources up to 4096×4096.
    func rotate(_ image: VipsHandle, _ degrees: Int) throws(ImagingError) -> VipsHandle {
        guard image.width <= 4096, image.height <= 4096 else {
            throw ImagingError.tooLarge("Rotation takes images up to 4096x4096.")
        }
        switch degrees % 360 {
        case 0: return image
        case 90: return try VipsHandle.checked(silo_vips_rot(image.pointer, 1), "Rotating")
        case 180: return try VipsHandle.checked(silo_vips_rot(image.pointer, 2), "Rotating")
        case 270: return try VipsHandle.checked(silo_vips_rot(image.pointer, 3), "Rotating")
        default: return try VipsHandle.checked(silo_vips_rotate(image.pointer, Double(degrees)), "Rotating")
        }
    }

    /// `fill` cuts the centre; `pad` centres on a canvas of `color`.
    func finish(_ image: VipsHandle, plan: ResizePlan, color: RGBColor) throws(ImagingError) -> VipsHandle {
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
}
