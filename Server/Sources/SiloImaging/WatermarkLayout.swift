import SiloCore

/// Where a watermark goes and which font draws it: pure arithmetic, kept apart from libvips so it can be tested.
enum WatermarkLayout {
    /// Top-left corner of a `width`×`height` mark on a `baseWidth`×`baseHeight` image. `x`/`y` are margins from
    /// the anchored edges; the middle column ignores `x`, the middle row ignores `y` and moves up by `voffset`.
    static func origin(baseWidth: Int, baseHeight: Int, width: Int, height: Int, gravity: ImageProcess.Gravity,
                       x: Int, y: Int, verticalOffset: Int) -> (x: Int, y: Int) {
        let column: Int
        switch gravity {
        case .nw, .west, .sw: column = x
        case .north, .center, .south: column = (baseWidth - width) / 2
        case .ne, .east, .se: column = baseWidth - width - x
        }
        let row: Int
        switch gravity {
        case .nw, .north, .ne: row = y
        case .west, .center, .east: row = (baseHeight - height) / 2 - verticalOffset
        case .sw, .south, .se: row = baseHeight - height - y
        }
        return (column, row)
    }

    /// The service's font names (spec §14.3) as fontconfig families. The FangZheng faces are proprietary; they
    /// fall back to WenQuanYi Zen Hei, which covers the same CJK range.
    static func family(for font: String) throws(ImagingError) -> String {
        switch font {
        case "wqy-zenhei", "fangzhengshusong", "fangzhengkaiti", "fangzhengheiti", "fangzhengfangsong":
            return "WenQuanYi Zen Hei"
        case "wqy-microhei": return "WenQuanYi Micro Hei"
        case "droidsansfallback": return "Droid Sans Fallback"
        default: throw ImagingError.invalidProcess("The font \(font) is not supported.")
        }
    }

    /// Pango reads its markup from `vips_text`; the watermark is plain text.
    static func escapeMarkup(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Scale for an image watermark of `percent` of the base, keeping its ratio and fitting both sides.
    static func scale(markWidth: Int, markHeight: Int, baseWidth: Int, baseHeight: Int, percent: Int) -> Double {
        let fraction = Double(percent) / 100
        return min(fraction * Double(baseWidth) / Double(markWidth), fraction * Double(baseHeight) / Double(markHeight))
    }
}
