import Foundation

/// The body of AsyncProcessObject (`POST /<key>?x-oss-async-process`):
/// `x-oss-async-process=<video/convert,…|audio/convert,…|video/snapshots,…>|sys/saveas,o_<b64url>[,b_<b64url>][/notify,topic_<b64url>]`.
/// Every parameter is checked here, so a stored job only ever holds a runnable request.
public struct AsyncProcessRequest: Sendable, Hashable, Codable {
    public enum Action: Sendable, Hashable, Codable {
        case convert(MediaConversion)
        case snapshots(SnapshotSeries)
    }

    public var action: Action
    /// For `video/snapshots`, `{index}` in the key is replaced by each frame's number (from 1).
    public var targetKey: String
    /// Nil: the source's bucket.
    public var targetBucket: String?
    /// Where the signed completion webhook goes (`notify,topic_<b64url of an http(s) URL>`).
    public var notifyURL: String?

    public init(action: Action, targetKey: String, targetBucket: String? = nil, notifyURL: String? = nil) {
        self.action = action
        self.targetKey = targetKey
        self.targetBucket = targetBucket
        self.notifyURL = notifyURL
    }

    /// Longer bodies are refused before parsing.
    public static let maxLength = 4096

    public static func parse(form body: String) throws(OSSError) -> AsyncProcessRequest {
        guard body.utf8.count <= maxLength else {
            throw .invalidArgument("The process body is too long.", name: "x-oss-async-process")
        }
        var text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("x-oss-async-process=") else {
            throw .invalidArgument("The body must be x-oss-async-process=<process>.", name: "x-oss-async-process")
        }
        text = String(text.dropFirst("x-oss-async-process=".count))
        if text.contains("%"), let decoded = text.removingPercentEncoding { text = decoded }
        let stages = text.split(separator: "|", omittingEmptySubsequences: false)
        guard stages.count == 2 else {
            throw .invalidArgument("The process must be one action followed by |sys/saveas,o_<object>.",
                                   name: "x-oss-async-process")
        }
        let action = try Self.action(stages[0])
        let steps = stages[1].split(separator: "/", omittingEmptySubsequences: false)
        guard steps.first == "sys", steps.count >= 2,
              steps[1].hasPrefix("saveas") else {
            throw .invalidArgument("The process must end with |sys/saveas,o_<object>.", name: "x-oss-async-process")
        }
        var targetKey: String?
        var targetBucket: String?
        for piece in steps[1].split(separator: ",").dropFirst() {
            if piece.hasPrefix("o_") {
                targetKey = try decoded(piece.dropFirst(2))
            } else if piece.hasPrefix("b_") {
                targetBucket = try decoded(piece.dropFirst(2))
            } else {
                throw .invalidArgument("sys/saveas takes o_ and b_, not \(piece).", name: "x-oss-async-process")
            }
        }
        guard let targetKey else { throw OSSError(status: 400, code: "MissingArgument", message: "sys/saveas needs o_<object>.") }
        var notifyURL: String?
        for step in steps.dropFirst(2) {
            let pieces = step.split(separator: ",")
            guard pieces.first == "notify" else {
                throw .invalidArgument("After sys/saveas only notify may follow, not \(step).", name: "x-oss-async-process")
            }
            for piece in pieces.dropFirst() {
                guard piece.hasPrefix("topic_") else {
                    throw .invalidArgument("notify takes topic_, not \(piece).", name: "x-oss-async-process")
                }
                let url = try decoded(piece.dropFirst("topic_".count))
                guard url.utf8.count <= 2048, let parsed = URL(string: url),
                      ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false else {
                    throw .invalidArgument("notify's topic_ must name an http(s) URL on this server.", name: "x-oss-async-process")
                }
                notifyURL = url
            }
        }
        if case .snapshots = action, !targetKey.contains("{index}") {
            throw .invalidArgument("video/snapshots saves many frames: o_ must contain {index}.", name: "x-oss-async-process")
        }
        return AsyncProcessRequest(action: action, targetKey: targetKey, targetBucket: targetBucket, notifyURL: notifyURL)
    }

    static func action(_ text: Substring) throws(OSSError) -> Action {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        let name = pieces[0].lowercased()
        var parameters = try Parameters(action: name, pieces: pieces.dropFirst())
        let action: Action
        switch name {
        case "video/convert": action = .convert(try MediaConversion(video: true, &parameters))
        case "audio/convert": action = .convert(try MediaConversion(video: false, &parameters))
        case "video/snapshots": action = .snapshots(try SnapshotSeries(&parameters))
        default:
            throw .invalidArgument("\(name) is not an asynchronous action; use video/convert, audio/convert or video/snapshots.",
                                   name: "x-oss-async-process")
        }
        try parameters.finish()
        return action
    }

    private static func decoded(_ text: Substring) throws(OSSError) -> String {
        guard let value = Base64URL.decode(String(text)), !value.isEmpty else { throw .badRequest("Input is not base64 decoding.") }
        return value
    }

    /// The objects the job writes, for authorization at submission: the key as given (a snapshot series is
    /// authorized by its key template, whose prefix before `{index}` bounds every name it makes).
    public var targetKeys: [String] { [targetKey] }
}

/// `video/convert` and `audio/convert`: a new container with chosen codecs, size, rates and span.
public struct MediaConversion: Sendable, Hashable, Codable {
    public enum Container: String, Sendable, Codable, CaseIterable {
        case mp4, mov, mkv, webm, ts, flv, mp3, aac, m4a, ogg, opus, wav, flac

        var isAudioOnly: Bool { [.mp3, .aac, .m4a, .ogg, .opus, .wav, .flac].contains(self) }
        public var contentType: String {
            switch self {
            case .mp4: "video/mp4"
            case .mov: "video/quicktime"
            case .mkv: "video/x-matroska"
            case .webm: "video/webm"
            case .ts: "video/mp2t"
            case .flv: "video/x-flv"
            case .mp3: "audio/mpeg"
            case .aac: "audio/aac"
            case .m4a: "audio/mp4"
            case .ogg, .opus: "audio/ogg"
            case .wav: "audio/wav"
            case .flac: "audio/flac"
            }
        }
    }

    public enum VideoCodec: String, Sendable, Codable, CaseIterable { case h264, h265, vp9 }
    public enum AudioCodec: String, Sendable, Codable, CaseIterable { case aac, mp3, opus, vorbis, flac, pcm }

    public var container: Container
    /// Nil: no video stream in the output (audio/convert, or `vn_1`).
    public var videoCodec: VideoCodec?
    public var width: Int?
    public var height: Int?
    public var framesPerSecond: Int?
    public var videoBitrate: Int?
    /// Nil: no audio stream in the output (`an_1`).
    public var audioCodec: AudioCodec?
    public var audioBitrate: Int?
    public var sampleRate: Int?
    public var channels: Int?
    /// `ss_` and `t_`, in milliseconds.
    public var startMilliseconds: Int?
    public var durationMilliseconds: Int?

    init(video: Bool, _ parameters: inout Parameters) throws(OSSError) {
        guard let format = parameters.take("f") else { throw parameters.missing("f_") }
        guard let container = Container(rawValue: format.lowercased()) else {
            throw parameters.invalid("f_\(format) must be one of \(Container.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.container = container
        let noVideo = try parameters.int("vn", 0...1) == 1 || !video || container.isAudioOnly
        let noAudio = try parameters.int("an", 0...1) == 1
        if noVideo {
            videoCodec = nil
            for key in ["vcodec", "s", "fps", "vb"] where parameters.peek(key) != nil {
                throw parameters.invalid("\(key)_ needs a video stream in the output")
            }
        } else {
            let name = parameters.take("vcodec") ?? (container == .webm ? "vp9" : "h264")
            guard let codec = VideoCodec(rawValue: name.lowercased()) else {
                throw parameters.invalid("vcodec_\(name) must be h264, h265 or vp9")
            }
            videoCodec = codec
            if let size = parameters.take("s") {
                let sides = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
                guard sides.count == 2, let width = Parameters.integer(String(sides[0])),
                      let height = Parameters.integer(String(sides[1])),
                      (0...4096).contains(width), (0...4096).contains(height), width + height > 0 else {
                    throw parameters.invalid("s_\(size) must be WIDTHxHEIGHT, each 0 to 4096 (0 follows the other)")
                }
                self.width = width == 0 ? nil : width
                self.height = height == 0 ? nil : height
            }
            framesPerSecond = try parameters.int("fps", 1...120)
            videoBitrate = try parameters.int("vb", 10_000...100_000_000)
        }
        if noAudio {
            audioCodec = nil
            for key in ["acodec", "ab", "ar", "ac"] where parameters.peek(key) != nil {
                throw parameters.invalid("\(key)_ needs an audio stream in the output")
            }
        } else {
            let name = parameters.take("acodec") ?? Self.defaultAudio(container).rawValue
            guard let codec = AudioCodec(rawValue: name.lowercased()) else {
                throw parameters.invalid("acodec_\(name) must be one of \(AudioCodec.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            audioCodec = codec
            audioBitrate = try parameters.int("ab", 8_000...1_000_000)
            sampleRate = try parameters.int("ar", 8_000...192_000)
            channels = try parameters.int("ac", 1...8)
        }
        guard videoCodec != nil || audioCodec != nil else { throw parameters.invalid("the output needs a video or an audio stream") }
        startMilliseconds = try parameters.int("ss", 0...86_400_000)
        durationMilliseconds = try parameters.int("t", 1...86_400_000)
        // Subtitles are never carried over; `sn_1` says so explicitly.
        _ = try parameters.int("sn", 0...1)
        try Self.checkCompatible(container: container, video: videoCodec, audio: audioCodec, parameters: parameters)
    }

    static func defaultAudio(_ container: Container) -> AudioCodec {
        switch container {
        case .mp3: .mp3
        case .webm, .ogg, .opus: .opus
        case .wav: .pcm
        case .flac: .flac
        default: .aac
        }
    }

    /// Which codecs each container can hold, as ffmpeg's muxers accept them.
    static func checkCompatible(container: Container, video: VideoCodec?, audio: AudioCodec?, parameters: Parameters)
        throws(OSSError)
    {
        let videoAllowed: Set<VideoCodec>
        let audioAllowed: Set<AudioCodec>
        switch container {
        case .mp4, .mov: (videoAllowed, audioAllowed) = ([.h264, .h265, .vp9], [.aac, .mp3, .opus, .flac])
        case .mkv: (videoAllowed, audioAllowed) = (Set(VideoCodec.allCases), Set(AudioCodec.allCases))
        case .webm: (videoAllowed, audioAllowed) = ([.vp9], [.opus, .vorbis])
        case .ts: (videoAllowed, audioAllowed) = ([.h264, .h265], [.aac, .mp3, .opus])
        case .flv: (videoAllowed, audioAllowed) = ([.h264], [.aac, .mp3])
        case .mp3: (videoAllowed, audioAllowed) = ([], [.mp3])
        case .aac, .m4a: (videoAllowed, audioAllowed) = ([], [.aac])
        case .ogg, .opus: (videoAllowed, audioAllowed) = ([], [.opus, .vorbis, .flac])
        case .wav: (videoAllowed, audioAllowed) = ([], [.pcm])
        case .flac: (videoAllowed, audioAllowed) = ([], [.flac])
        }
        if let video, !videoAllowed.contains(video) { throw parameters.invalid("f_\(container.rawValue) cannot hold \(video.rawValue) video") }
        if let audio, !audioAllowed.contains(audio) { throw parameters.invalid("f_\(container.rawValue) cannot hold \(audio.rawValue) audio") }
    }
}

/// `video/snapshots`: frames every `interval` milliseconds from `start`, at most `count`, each saved as an object.
public struct SnapshotSeries: Sendable, Hashable, Codable {
    public var format: VideoSnapshot.Format
    public var startMilliseconds: Int
    public var intervalMilliseconds: Int
    public var count: Int
    public var width: Int
    public var height: Int

    public static let maxCount = 100

    public init(format: VideoSnapshot.Format, startMilliseconds: Int = 0, intervalMilliseconds: Int, count: Int,
                width: Int = 0, height: Int = 0) {
        self.format = format
        self.startMilliseconds = startMilliseconds
        self.intervalMilliseconds = intervalMilliseconds
        self.count = count
        self.width = width
        self.height = height
    }

    init(_ parameters: inout Parameters) throws(OSSError) {
        guard let name = parameters.take("f") else { throw parameters.missing("f_") }
        guard let format = VideoSnapshot.Format(rawValue: name.lowercased()) else { throw parameters.invalid("f_\(name) must be jpg or png") }
        self.format = format
        startMilliseconds = try parameters.int("ss", 0...86_400_000) ?? 0
        intervalMilliseconds = try parameters.required("inter", 100...3_600_000)
        count = try parameters.int("num", 1...Self.maxCount) ?? 10
        width = try parameters.int("w", 0...VideoSnapshot.maxSide) ?? 0
        height = try parameters.int("h", 0...VideoSnapshot.maxSide) ?? 0
    }
}

extension VideoSnapshot.Format: Codable {}
