import Foundation

/// A typed `x-oss-process` image pipeline (spec §14): each call appends one action, run left to right.
///
/// ```swift
/// let thumbnail = ImageProcess().autoOrient().resize(.fill, width: 200, height: 200).format(.webp).quality(absolute: 80)
/// thumbnail.string  // "image/auto-orient,1/resize,m_fill,w_200,h_200/format,webp/quality,Q_80"
/// ```
public struct ImageProcess: Sendable, Hashable, CustomStringConvertible {
    public enum ResizeMode: String, Sendable, CaseIterable { case lfit, mfit, fill, pad, fixed }
    public enum Gravity: String, Sendable, CaseIterable { case nw, north, ne, west, center, east, sw, south, se }
    public enum Format: String, Sendable, CaseIterable { case jpg, png, webp, bmp, gif, tiff, heic, avif }

    /// One action: its name and its parameters in order (`key_value`, or a bare value).
    public struct Action: Sendable, Hashable {
        public var name: String
        public var parameters: [String]

        var rendered: String { ([name] + parameters).joined(separator: ",") }
    }

    public private(set) var actions: [Action] = []

    public init() {}

    /// `image/a,…/b,…`, the value of the `x-oss-process` parameter.
    public var string: String { "image/" + actions.map(\.rendered).joined(separator: "/") }
    public var description: String { string }

    /// A bucket-defined style instead of a pipeline.
    public static func style(_ name: String) -> String { "style/" + name }

    private func adding(_ name: String, _ parameters: [(String, String?)]) -> ImageProcess {
        var copy = self
        copy.actions.append(Action(name: name, parameters: parameters.compactMap { key, value in
            value.map { key.isEmpty ? $0 : key + "_" + $0 }
        }))
        return copy
    }

    // MARK: geometry

    /// Scales by width/height (`mode` decides how the box is met), by the longer or shorter side, or by percent.
    /// `enlarge: false` (the service's default) never scales beyond the source; `color` fills `pad`.
    public func resize(_ mode: ResizeMode? = nil, width: Int? = nil, height: Int? = nil, longSide: Int? = nil,
                       shortSide: Int? = nil, percent: Int? = nil, enlarge: Bool? = nil, color: String? = nil) -> ImageProcess {
        adding("resize", [("m", mode?.rawValue), ("w", width.map(String.init)), ("h", height.map(String.init)),
                          ("l", longSide.map(String.init)), ("s", shortSide.map(String.init)), ("p", percent.map(String.init)),
                          ("limit", enlarge.map { $0 ? "0" : "1" }), ("color", color)])
    }

    public func crop(width: Int? = nil, height: Int? = nil, x: Int? = nil, y: Int? = nil, gravity: Gravity? = nil) -> ImageProcess {
        adding("crop", [("w", width.map(String.init)), ("h", height.map(String.init)), ("x", x.map(String.init)),
                        ("y", y.map(String.init)), ("g", gravity?.rawValue)])
    }

    /// Cuts the image into slices `sliceWidth` (or `sliceHeight`) wide and keeps slice `index`.
    public func indexCrop(sliceWidth: Int? = nil, sliceHeight: Int? = nil, index: Int = 0) -> ImageProcess {
        adding("indexcrop", [("x", sliceWidth.map(String.init)), ("y", sliceHeight.map(String.init)), ("i", String(index))])
    }

    public func circle(radius: Int) -> ImageProcess { adding("circle", [("r", String(radius))]) }
    public func roundedCorners(radius: Int) -> ImageProcess { adding("rounded-corners", [("r", String(radius))]) }
    /// Clockwise, 0...360.
    public func rotate(_ degrees: Int) -> ImageProcess { adding("rotate", [("", String(degrees))]) }
    public func autoOrient(_ enabled: Bool = true) -> ImageProcess { adding("auto-orient", [("", enabled ? "1" : "0")]) }

    // MARK: effects

    public func blur(radius: Int, sigma: Int) -> ImageProcess { adding("blur", [("r", String(radius)), ("s", String(sigma))]) }
    /// -100...100
    public func bright(_ value: Int) -> ImageProcess { adding("bright", [("", String(value))]) }
    /// -100...100
    public func contrast(_ value: Int) -> ImageProcess { adding("contrast", [("", String(value))]) }
    /// 50...399; 100 is a good start.
    public func sharpen(_ value: Int) -> ImageProcess { adding("sharpen", [("", String(value))]) }

    // MARK: output

    /// Put it last.
    public func format(_ format: Format) -> ImageProcess { adding("format", [("", format.rawValue)]) }
    /// Relative to the source's own quality (JPEG).
    public func quality(relative: Int) -> ImageProcess { adding("quality", [("q", String(relative))]) }
    /// Absolute quality (JPEG, WebP).
    public func quality(absolute: Int) -> ImageProcess { adding("quality", [("Q", String(absolute))]) }
    /// Progressive JPEG.
    public func interlace(_ enabled: Bool = true) -> ImageProcess { adding("interlace", [("", enabled ? "1" : "0")]) }

    // MARK: watermarks

    /// Where a watermark sits and how strongly it shows.
    public struct Placement: Sendable, Hashable {
        public var gravity: Gravity?
        public var x: Int?
        public var y: Int?
        public var verticalOffset: Int?
        /// Opacity 0...100.
        public var opacity: Int?

        public init(gravity: Gravity? = nil, x: Int? = nil, y: Int? = nil, verticalOffset: Int? = nil, opacity: Int? = nil) {
            self.gravity = gravity
            self.x = x
            self.y = y
            self.verticalOffset = verticalOffset
            self.opacity = opacity
        }

        var parameters: [(String, String?)] {
            [("t", opacity.map(String.init)), ("g", gravity?.rawValue), ("x", x.map(String.init)),
             ("y", y.map(String.init)), ("voffset", verticalOffset.map(String.init))]
        }
    }

    /// A text watermark. `font` is a font name such as `wqy-zenhei`; `color` is `RRGGBB`.
    public func watermark(text: String, font: String? = nil, color: String? = nil, size: Int? = nil, shadow: Int? = nil,
                          rotate: Int? = nil, tile: Bool? = nil, placement: Placement = Placement()) -> ImageProcess {
        adding("watermark", [("text", Base64URL.encode(text)), ("type", font.map(Base64URL.encode)), ("color", color),
                             ("size", size.map(String.init)), ("shadow", shadow.map(String.init)),
                             ("rotate", rotate.map(String.init)), ("fill", tile.map { $0 ? "1" : "0" })] + placement.parameters)
    }

    /// An image watermark: another object of the same bucket, optionally processed itself first, scaled to
    /// `percent` of the source.
    public func watermark(imageKey: String, process: ImageProcess? = nil, percent: Int? = nil,
                          placement: Placement = Placement()) -> ImageProcess {
        let target = process.map { imageKey + "?x-oss-process=" + $0.string } ?? imageKey
        return adding("watermark", [("image", Base64URL.encode(target)), ("P", percent.map(String.init))] + placement.parameters)
    }

    // MARK: metadata

    /// JSON with the size, format and EXIF fields instead of an image.
    public func info() -> ImageProcess { adding("info", []) }
    /// JSON with the average colour.
    public func averageHue() -> ImageProcess { adding("average-hue", []) }
}

/// URL-safe base64 without padding, as `x-oss-process` parameters carry text and keys.
public enum Base64URL {
    public static func encode(_ text: String) -> String { encode(Data(text.utf8)) }

    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> String? {
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base += String(repeating: "=", count: (4 - base.count % 4) % 4)
        return Data(base64Encoded: base).flatMap { String(data: $0, encoding: .utf8) }
    }
}
