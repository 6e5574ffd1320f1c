/// A parsed `x-oss-process=video/...` (spec §14.4): one synchronous media action. The parser checks every
/// parameter's presence and range, so the media code only sees valid requests.
public enum VideoProcess: Sendable, Hashable {
    /// `video/snapshot`: one frame as an image.
    case snapshot(VideoSnapshot)
    /// `video/info`: the container and its streams as JSON.
    case info

    /// Parses the part after `video/`: one action, and after a snapshot, image actions piped in OSS's way
    /// (`video/snapshot,t_1000,f_jpg|image/resize,w_200`), which then process the frame.
    public init(parsing text: Substring) throws(OSSError) {
        let stages = text.split(separator: "|", omittingEmptySubsequences: false)
        try self.init(action: stages[0])
        guard stages.count > 1 else { return }
        guard case .snapshot(var snapshot) = self else {
            throw .invalidArgument("Only video/snapshot can be followed by image actions.", name: "x-oss-process")
        }
        var operations: [ImageOperation] = []
        for stage in stages.dropFirst() {
            guard stage.hasPrefix("image/") else {
                throw .invalidArgument("A video snapshot can be followed only by image/ actions.", name: "x-oss-process")
            }
            operations += try ImagePipeline(parsing: stage.dropFirst("image/".count)).operations
        }
        guard operations.count <= ImagePipeline.maxOperations else {
            throw .invalidArgument("The process string has too many actions.", name: "x-oss-process")
        }
        let pipeline = ImagePipeline(operations: operations)
        guard pipeline.watermarkImageKeys.count <= ImagePipeline.maxImageWatermarks else {
            throw .invalidArgument("At most \(ImagePipeline.maxImageWatermarks) image watermarks are allowed.", name: "x-oss-process")
        }
        guard !pipeline.answersJSON else {
            throw .invalidArgument("A video snapshot can be followed only by actions that answer an image.", name: "x-oss-process")
        }
        snapshot.then = pipeline
        self = .snapshot(snapshot)
    }

    private init(action text: Substring) throws(OSSError) {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        let name = pieces[0].lowercased()
        var parameters = try Parameters(action: name, pieces: pieces.dropFirst())
        switch name {
        case "snapshot": self = .snapshot(try VideoSnapshot(&parameters))
        case "info": self = .info
        case "convert", "snapshots", "concat", "sprite":
            // The asynchronous actions (`x-oss-async-process`) are not synchronous GET actions.
            throw .invalidArgument("video/\(name) runs only as an asynchronous process.", name: "x-oss-process")
        default:
            throw .invalidArgument("The video action \(name) is not supported.", name: "x-oss-process")
        }
        try parameters.finish()
    }

    /// One spelling per meaning: the derived-image cache key.
    public var canonical: String {
        switch self {
        case .snapshot(let snapshot): "video/" + snapshot.canonical
        case .info: "video/info"
        }
    }

    /// True when the answer is JSON rather than an image.
    public var answersJSON: Bool { self == .info }
}

/// `video/snapshot,t_<ms>,f_<jpg|png>[,w_<px>][,h_<px>][,m_fast][,ar_auto]`.
public struct VideoSnapshot: Sendable, Hashable {
    public enum Format: String, Sendable, CaseIterable {
        case jpg, png

        public var contentType: String {
            switch self {
            case .jpg: "image/jpeg"
            case .png: "image/png"
            }
        }
    }

    /// The frame's position in milliseconds; past the end means the last frame.
    public var milliseconds: Int
    public var format: Format
    /// 0: proportional to the other side; both 0: the video's own size.
    public var width: Int
    public var height: Int
    /// `m_fast`: the nearest keyframe at or before the position, which needs no decoding up to it.
    public var nearestKeyframe: Bool
    /// `ar_auto`: turn the frame upright by the video's rotation metadata.
    public var autoRotate: Bool
    /// Image actions piped after the snapshot, run on the frame.
    public var then: ImagePipeline?

    /// 24 hours: longer positions are refused rather than seeked to.
    public static let maxMilliseconds = 86_400_000
    /// The largest side a snapshot may ask for.
    public static let maxSide = 4_096

    public init(milliseconds: Int, format: Format, width: Int = 0, height: Int = 0, nearestKeyframe: Bool = false,
                autoRotate: Bool = false) {
        self.milliseconds = milliseconds
        self.format = format
        self.width = width
        self.height = height
        self.nearestKeyframe = nearestKeyframe
        self.autoRotate = autoRotate
    }

    init(_ parameters: inout Parameters) throws(OSSError) {
        milliseconds = try parameters.required("t", 0...Self.maxMilliseconds)
        guard let formatName = parameters.take("f") else { throw parameters.missing("f_") }
        guard let format = Format(rawValue: formatName.lowercased()) else {
            throw parameters.invalid("f_\(formatName) must be jpg or png")
        }
        self.format = format
        width = try parameters.int("w", 0...Self.maxSide) ?? 0
        height = try parameters.int("h", 0...Self.maxSide) ?? 0
        if let mode = parameters.take("m") {
            guard mode == "fast" else { throw parameters.invalid("m_\(mode) must be fast") }
            nearestKeyframe = true
        } else {
            nearestKeyframe = false
        }
        if let rotate = parameters.take("ar") {
            guard rotate == "auto" else { throw parameters.invalid("ar_\(rotate) must be auto") }
            autoRotate = true
        } else {
            autoRotate = false
        }
    }

    public var canonical: String {
        var text = frameCanonical
        if let then { text += "|" + then.canonical }
        return text
    }

    /// The frame alone, without the image actions after it: the cache key of the frame itself.
    public var frame: VideoSnapshot {
        var frame = self
        frame.then = nil
        return frame
    }

    private var frameCanonical: String {
        var text = "snapshot,t_\(milliseconds),f_\(format.rawValue),w_\(width),h_\(height)"
        if nearestKeyframe { text += ",m_fast" }
        if autoRotate { text += ",ar_auto" }
        return text
    }
}
