import SiloCore

/// Where a resize lands, worked out from the source's size alone (spec §14.3's modes), before any pixel moves.
public struct ResizePlan: Sendable, Hashable {
    /// The size the image is scaled to.
    public var scaledWidth: Int
    public var scaledHeight: Int
    /// `fill`: the centred box cut from the scaled image; `pad`: the canvas it is centred on.
    public var finalWidth: Int
    public var finalHeight: Int

    public var crops: Bool { finalWidth < scaledWidth || finalHeight < scaledHeight }
    public var pads: Bool { finalWidth > scaledWidth || finalHeight > scaledHeight }

    public static func make(_ resize: ImageOperation.Resize, sourceWidth: Int, sourceHeight: Int) -> ResizePlan {
        let width = Double(sourceWidth)
        let height = Double(sourceHeight)
        func rounded(_ value: Double) -> Int { max(1, Int(value.rounded())) }
        if let percent = resize.percent, resize.width == nil, resize.height == nil, resize.longSide == nil, resize.shortSide == nil {
            var scale = Double(percent) / 100
            if !resize.enlarge { scale = min(scale, 1) }
            let w = rounded(width * scale)
            let h = rounded(height * scale)
            return ResizePlan(scaledWidth: w, scaledHeight: h, finalWidth: w, finalHeight: h)
        }
        // The box: w/h, or the longer/shorter side mapped onto the image's own orientation.
        var boxWidth = resize.width.map(Double.init)
        var boxHeight = resize.height.map(Double.init)
        let landscape = width >= height
        if let long = resize.longSide.map(Double.init) {
            if landscape { boxWidth = boxWidth ?? long } else { boxHeight = boxHeight ?? long }
        }
        if let short = resize.shortSide.map(Double.init) {
            if landscape { boxHeight = boxHeight ?? short } else { boxWidth = boxWidth ?? short }
        }
        let scaleX = boxWidth.map { $0 / width }
        let scaleY = boxHeight.map { $0 / height }
        var plan: ResizePlan
        switch (resize.mode, scaleX, scaleY) {
        case (.fixed, let sx?, let sy?):
            plan = ResizePlan(scaledWidth: rounded(width * sx), scaledHeight: rounded(height * sy),
                              finalWidth: rounded(width * sx), finalHeight: rounded(height * sy))
        case (.mfit, let sx?, let sy?), (.fill, let sx?, let sy?):
            let scale = max(sx, sy)
            let w = rounded(width * scale)
            let h = rounded(height * scale)
            plan = resize.mode == .fill
                ? ResizePlan(scaledWidth: w, scaledHeight: h, finalWidth: min(w, rounded(boxWidth!)), finalHeight: min(h, rounded(boxHeight!)))
                : ResizePlan(scaledWidth: w, scaledHeight: h, finalWidth: w, finalHeight: h)
        case (.pad, let sx?, let sy?):
            let scale = min(sx, sy)
            plan = ResizePlan(scaledWidth: rounded(width * scale), scaledHeight: rounded(height * scale),
                              finalWidth: rounded(boxWidth!), finalHeight: rounded(boxHeight!))
        default:
            // lfit, or any mode with one side given: fit inside, the other side proportional.
            let scale = [scaleX, scaleY].compactMap { $0 }.min() ?? 1
            let w = rounded(width * scale)
            let h = rounded(height * scale)
            plan = ResizePlan(scaledWidth: w, scaledHeight: h, finalWidth: w, finalHeight: h)
        }
        if !resize.enlarge, plan.scaledWidth > sourceWidth || plan.scaledHeight > sourceHeight {
            // limit_1: never larger than the source; the source comes back as it is.
            return ResizePlan(scaledWidth: sourceWidth, scaledHeight: sourceHeight, finalWidth: sourceWidth, finalHeight: sourceHeight)
        }
        return plan
    }
}
