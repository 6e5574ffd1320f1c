/// One action of an image pipeline with its parameters checked against spec §14.3's ranges.
public enum ImageOperation: Sendable, Hashable {
    public struct Resize: Sendable, Hashable {
        public var mode: ImageProcess.ResizeMode = .lfit
        public var width: Int?
        public var height: Int?
        public var longSide: Int?
        public var shortSide: Int?
        public var percent: Int?
        /// `P_`: a percentage of the image a watermark is laid on; only in a watermark image's own process.
        public var percentOfBase: Int?
        /// `limit_0`: scale beyond the source. The service's default is not to.
        public var enlarge = false
        /// Fills `pad`.
        public var color = RGBColor.white

        public init() {}
    }

    public struct Crop: Sendable, Hashable {
        /// Nil: to the image's edge.
        public var width: Int?
        public var height: Int?
        public var x = 0
        public var y = 0
        public var gravity = ImageProcess.Gravity.nw

        public init() {}
    }

    public struct Watermark: Sendable, Hashable {
        public enum Content: Sendable, Hashable {
            case text(String, font: String, color: RGBColor, size: Int, shadow: Int, rotate: Int, tile: Bool)
            /// An object of the same bucket, optionally processed first; `percent` of the source's size.
            case image(key: String, process: String?, percent: Int?)
        }

        public var content: Content
        public var opacity = 100
        public var gravity = ImageProcess.Gravity.se
        public var x = 10
        public var y = 10
        public var verticalOffset = 0
    }

    case resize(Resize)
    case crop(Crop)
    /// Slices `size` pixels wide (`horizontal`) or high, keeping slice `index`.
    case indexCrop(horizontal: Bool, size: Int, index: Int)
    case circle(radius: Int)
    case roundedCorners(radius: Int)
    case rotate(degrees: Int)
    case autoOrient(Bool)
    case blur(radius: Int, sigma: Int)
    case bright(Int)
    case contrast(Int)
    case sharpen(Int)
    case format(ImageProcess.Format)
    case quality(relative: Int?, absolute: Int?)
    case interlace(Bool)
    case watermark(Watermark)
    case info
    case averageHue

    public static let maxSide = 16_384
    public static let maxTextWatermarkCharacters = 64

    public init(parsing action: Substring) throws(OSSError) {
        let pieces = action.split(separator: ",", omittingEmptySubsequences: false)
        let name = pieces[0].lowercased()
        var parameters = try Parameters(action: name, pieces: pieces.dropFirst())
        switch name {
        case "resize": self = .resize(try Self.resize(&parameters))
        case "crop": self = .crop(try Self.crop(&parameters))
        case "indexcrop":
            let x = try parameters.int("x", 1...ImageOperation.maxSide)
            let y = try parameters.int("y", 1...ImageOperation.maxSide)
            guard (x == nil) != (y == nil), let size = x ?? y else {
                throw parameters.missing("x or y (exactly one)")
            }
            self = .indexCrop(horizontal: x != nil, size: size, index: try parameters.int("i", 0...ImageOperation.maxSide) ?? 0)
        case "circle": self = .circle(radius: try parameters.required("r", 1...4096))
        case "rounded-corners": self = .roundedCorners(radius: try parameters.required("r", 1...4096))
        case "rotate": self = .rotate(degrees: try parameters.requiredBare(0...360))
        case "auto-orient": self = .autoOrient(try parameters.requiredBare(0...1) == 1)
        case "blur": self = .blur(radius: try parameters.required("r", 1...50), sigma: try parameters.required("s", 1...50))
        case "bright": self = .bright(try parameters.requiredBare(-100...100))
        case "contrast": self = .contrast(try parameters.requiredBare(-100...100))
        case "sharpen": self = .sharpen(try parameters.requiredBare(50...399))
        case "format":
            guard let value = parameters.takeBare() else { throw parameters.missing("the format") }
            guard let format = ImageProcess.Format(rawValue: value.lowercased() == "jpeg" ? "jpg" : value.lowercased()) else {
                throw parameters.invalid("format \(value) is not supported")
            }
            self = .format(format)
        case "quality":
            let relative = try parameters.int("q", 1...100)
            let absolute = try parameters.int("Q", 1...100)
            guard relative != nil || absolute != nil else { throw parameters.missing("q or Q") }
            self = .quality(relative: relative, absolute: absolute)
        case "interlace": self = .interlace(try parameters.requiredBare(0...1) == 1)
        case "watermark": self = .watermark(try Self.watermark(&parameters))
        case "info": self = .info
        case "average-hue": self = .averageHue
        default:
            throw OSSError.invalidArgument("The image operation \(name.isEmpty ? "(empty)" : name) is not supported.",
                                           name: "x-oss-process")
        }
        try parameters.finish()
    }

    private static func resize(_ parameters: inout Parameters) throws(OSSError) -> Resize {
        var resize = Resize()
        if let mode = parameters.take("m") {
            guard let parsed = ImageProcess.ResizeMode(rawValue: mode) else { throw parameters.invalid("m_\(mode) is not a mode") }
            resize.mode = parsed
        }
        resize.width = try parameters.int("w", 1...maxSide)
        resize.height = try parameters.int("h", 1...maxSide)
        resize.longSide = try parameters.int("l", 1...maxSide)
        resize.shortSide = try parameters.int("s", 1...maxSide)
        resize.percent = try parameters.int("p", 1...1000)
        resize.percentOfBase = try parameters.int("P", 1...100)
        if let limit = try parameters.int("limit", 0...1) { resize.enlarge = limit == 0 }
        if let color = parameters.take("color") {
            guard let parsed = RGBColor(hex: Substring(color)) else { throw parameters.invalid("color_\(color) is not RRGGBB") }
            resize.color = parsed
        }
        guard resize.width != nil || resize.height != nil || resize.longSide != nil || resize.shortSide != nil
            || resize.percent != nil || resize.percentOfBase != nil
        else { throw parameters.missing("w, h, l, s or p") }
        return resize
    }

    private static func crop(_ parameters: inout Parameters) throws(OSSError) -> Crop {
        var crop = Crop()
        crop.width = try parameters.int("w", 1...30_000)
        crop.height = try parameters.int("h", 1...30_000)
        crop.x = try parameters.int("x", 0...30_000) ?? 0
        crop.y = try parameters.int("y", 0...30_000) ?? 0
        if let gravity = parameters.take("g") {
            guard let parsed = ImageProcess.Gravity(rawValue: gravity) else { throw parameters.invalid("g_\(gravity) is not a position") }
            crop.gravity = parsed
        }
        _ = parameters.take("r")  // oss2's own test sends r_1; the service ignores it
        return crop
    }

    private static func watermark(_ parameters: inout Parameters) throws(OSSError) -> Watermark {
        let content: Watermark.Content
        if let encodedText = parameters.take("text") {
            guard let text = Base64URL.decode(encodedText), !text.isEmpty else {
                throw OSSError.badRequest("Input is not base64 decoding.")
            }
            guard text.count <= maxTextWatermarkCharacters else { throw parameters.invalid("the text is over 64 characters") }
            var font = "wqy-zenhei"
            if let encodedFont = parameters.take("type") {
                guard let decoded = Base64URL.decode(encodedFont), !decoded.isEmpty else {
                    throw OSSError.badRequest("Input is not base64 decoding.")
                }
                font = decoded
            }
            var color = RGBColor.black
            if let hex = parameters.take("color") {
                guard let parsed = RGBColor(hex: Substring(hex)) else { throw parameters.invalid("color_\(hex) is not RRGGBB") }
                color = parsed
            }
            content = .text(text, font: font, color: color, size: try parameters.int("size", 1...1000) ?? 40,
                            shadow: try parameters.int("shadow", 0...100) ?? 0, rotate: try parameters.int("rotate", 0...360) ?? 0,
                            tile: (try parameters.int("fill", 0...1) ?? 0) == 1)
            guard parameters.peek("image") == nil else { throw parameters.invalid("text and image watermarks are separate actions") }
        } else if let encodedImage = parameters.take("image") {
            guard let target = Base64URL.decode(encodedImage), !target.isEmpty else {
                throw OSSError.badRequest("Input is not base64 decoding.")
            }
            let parts = target.split(separator: "?", maxSplits: 1)
            var process: String?
            if parts.count == 2 {
                guard parts[1].hasPrefix("x-oss-process=") else { throw parameters.invalid("the watermark image's query is not x-oss-process") }
                process = String(parts[1].dropFirst("x-oss-process=".count))
            }
            let key = String(parts[0])
            guard !key.isEmpty else { throw parameters.invalid("the watermark image names no object") }
            content = .image(key: key, process: process, percent: try parameters.int("P", 1...100))
        } else {
            throw parameters.missing("text or image")
        }
        var watermark = Watermark(content: content)
        watermark.opacity = try parameters.int("t", 0...100) ?? 100
        if let gravity = parameters.take("g") {
            guard let parsed = ImageProcess.Gravity(rawValue: gravity) else { throw parameters.invalid("g_\(gravity) is not a position") }
            watermark.gravity = parsed
        }
        watermark.x = try parameters.int("x", 0...4096) ?? 10
        watermark.y = try parameters.int("y", 0...4096) ?? 10
        watermark.verticalOffset = try parameters.int("voffset", -1000...1000) ?? 0
        // Mixed text-and-image layout parameters: accepted, laid out as separate watermarks.
        _ = try parameters.int("order", 0...1)
        _ = try parameters.int("align", 0...2)
        _ = try parameters.int("interval", 0...1000)
        return watermark
    }

    /// The operation in one spelling: parameters in a fixed order, defaults written out.
    public var canonical: String {
        switch self {
        case .resize(let r):
            var out = "resize,m_\(r.mode.rawValue)"
            for (key, value) in [("w", r.width), ("h", r.height), ("l", r.longSide), ("s", r.shortSide), ("p", r.percent),
                                 ("P", r.percentOfBase)] {
                if let value { out += ",\(key)_\(value)" }
            }
            out += ",limit_\(r.enlarge ? 0 : 1)"
            if r.mode == .pad { out += ",color_\(r.color.hex)" }
            return out
        case .crop(let c):
            var out = "crop"
            if let width = c.width { out += ",w_\(width)" }
            if let height = c.height { out += ",h_\(height)" }
            return out + ",x_\(c.x),y_\(c.y),g_\(c.gravity.rawValue)"
        case .indexCrop(let horizontal, let size, let index): return "indexcrop,\(horizontal ? "x" : "y")_\(size),i_\(index)"
        case .circle(let radius): return "circle,r_\(radius)"
        case .roundedCorners(let radius): return "rounded-corners,r_\(radius)"
        case .rotate(let degrees): return "rotate,\(degrees)"
        case .autoOrient(let on): return "auto-orient,\(on ? 1 : 0)"
        case .blur(let radius, let sigma): return "blur,r_\(radius),s_\(sigma)"
        case .bright(let value): return "bright,\(value)"
        case .contrast(let value): return "contrast,\(value)"
        case .sharpen(let value): return "sharpen,\(value)"
        case .format(let format): return "format,\(format.rawValue)"
        case .quality(let relative, let absolute):
            return "quality" + (relative.map { ",q_\($0)" } ?? "") + (absolute.map { ",Q_\($0)" } ?? "")
        case .interlace(let on): return "interlace,\(on ? 1 : 0)"
        case .watermark(let w):
            var out = "watermark"
            switch w.content {
            case .text(let text, let font, let color, let size, let shadow, let rotate, let tile):
                out += ",text_\(Base64URL.encode(text)),type_\(Base64URL.encode(font)),color_\(color.hex),size_\(size)"
                out += ",shadow_\(shadow),rotate_\(rotate),fill_\(tile ? 1 : 0)"
            case .image(let key, let process, let percent):
                out += ",image_" + Base64URL.encode(process.map { key + "?x-oss-process=" + $0 } ?? key)
                if let percent { out += ",P_\(percent)" }
            }
            return out + ",t_\(w.opacity),g_\(w.gravity.rawValue),x_\(w.x),y_\(w.y),voffset_\(w.verticalOffset)"
        case .info: return "info"
        case .averageHue: return "average-hue"
        }
    }
}

/// An action's parameters: `key_value` pieces (keys are case-sensitive: `p` and `P` differ) and bare values.
struct Parameters {
    let action: String
    private var named: [String: String] = [:]
    private var bare: [String] = []

    init(action: String, pieces: ArraySlice<Substring>) throws(OSSError) {
        self.action = action
        for piece in pieces {
            if let underscore = piece.firstIndex(of: "_") {
                let key = String(piece[..<underscore])
                guard !key.isEmpty, named[key] == nil else {
                    throw OSSError.invalidArgument("\(action): the parameter \(piece) is repeated or has no name.",
                                                   name: "x-oss-process")
                }
                named[key] = String(piece[piece.index(after: underscore)...])
            } else {
                bare.append(String(piece))
            }
        }
    }

    func peek(_ key: String) -> String? { named[key] }

    mutating func take(_ key: String) -> String? { named.removeValue(forKey: key) }

    mutating func takeBare() -> String? { bare.isEmpty ? nil : bare.removeFirst() }

    mutating func int(_ key: String, _ range: ClosedRange<Int>) throws(OSSError) -> Int? {
        guard let text = take(key) else { return nil }
        guard let value = Self.integer(text), range.contains(value) else {
            throw invalid("\(key)_\(text) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    mutating func required(_ key: String, _ range: ClosedRange<Int>) throws(OSSError) -> Int {
        guard let value = try int(key, range) else { throw missing(key + "_") }
        return value
    }

    mutating func requiredBare(_ range: ClosedRange<Int>) throws(OSSError) -> Int {
        guard let text = takeBare() else { throw missing("a value") }
        guard let value = Self.integer(text), range.contains(value) else {
            throw invalid("\(text) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Digits with an optional minus sign, at most 9 of them: no overflow, no `+`, no spaces.
    static func integer(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard (1...9).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Anything left over is a parameter the action does not have.
    func finish() throws(OSSError) {
        if let extra = named.keys.sorted().first {
            throw invalid("\(extra)_ is not a parameter of \(action)")
        }
        if let extra = bare.first {
            throw invalid("\(extra.isEmpty ? "an empty parameter" : extra) is not a parameter of \(action)")
        }
    }

    func invalid(_ detail: String) -> OSSError {
        OSSError.invalidArgument("Invalid argument for \(action): \(detail).", name: "x-oss-process")
    }

    func missing(_ what: String) -> OSSError {
        OSSError(status: 400, code: "MissingArgument", message: "\(action) needs \(what).")
    }
}
