import Foundation

/// `video/info`: `ffprobe`'s description of the container and its streams, reshaped into the field names of OSS's
/// answer (IMM's DetectMediaMeta). Only numbers and codec names are taken from the file; its free-text tags (title,
/// comments) are not passed on, except a stream's language and rotation.
struct MediaProbe {
    let runner: ConfinedProcess

    func info(input: MediaInput) async throws(MediaError) -> MediaInfo {
        let arguments = [
            "-hide_banner", "-v", "error", "-protocol_whitelist", MediaInput.protocolWhitelist, "-print_format", "json",
            "-show_format", "-show_streams", input.url,
        ]
        let outcome = try await runner.run(runner.tools.ffprobe, arguments, input: input, fileSizeLimit: 0)
        guard outcome.status.isSuccess else { throw runner.failure(outcome, tool: "ffprobe") }
        return try MediaInfo(ffprobeJSON: outcome.output, size: input.length)
    }
}

/// The answer to `video/info`.
public struct MediaInfo: Sendable, Encodable, Hashable {
    public struct VideoStream: Sendable, Encodable, Hashable {
        public var index: Int
        public var codecName: String?
        public var codecLongName: String?
        public var profile: String?
        public var width: Int?
        public var height: Int?
        public var pixelFormat: String?
        public var frameRate: String?
        public var averageFrameRate: String?
        public var sampleAspectRatio: String?
        public var displayAspectRatio: String?
        public var duration: Double?
        public var bitrate: Int?
        public var frameCount: Int?
        public var rotate: Int?
        public var language: String?

        enum CodingKeys: String, CodingKey {
            case index = "Index", codecName = "CodecName", codecLongName = "CodecLongName", profile = "Profile"
            case width = "Width", height = "Height", pixelFormat = "PixelFormat", frameRate = "FrameRate"
            case averageFrameRate = "AverageFrameRate", sampleAspectRatio = "SampleAspectRatio"
            case displayAspectRatio = "DisplayAspectRatio", duration = "Duration", bitrate = "Bitrate"
            case frameCount = "FrameCount", rotate = "Rotate", language = "Language"
        }
    }

    public struct AudioStream: Sendable, Encodable, Hashable {
        public var index: Int
        public var codecName: String?
        public var codecLongName: String?
        public var sampleRate: Int?
        public var channels: Int?
        public var channelLayout: String?
        public var sampleFormat: String?
        public var duration: Double?
        public var bitrate: Int?
        public var language: String?

        enum CodingKeys: String, CodingKey {
            case index = "Index", codecName = "CodecName", codecLongName = "CodecLongName", sampleRate = "SampleRate"
            case channels = "Channels", channelLayout = "ChannelLayout", sampleFormat = "SampleFormat"
            case duration = "Duration", bitrate = "Bitrate", language = "Language"
        }
    }

    public struct SubtitleStream: Sendable, Encodable, Hashable {
        public var index: Int
        public var codecName: String?
        public var language: String?

        enum CodingKeys: String, CodingKey {
            case index = "Index", codecName = "CodecName", language = "Language"
        }
    }

    public var size: Int64
    public var formatName: String?
    public var formatLongName: String?
    public var duration: Double?
    public var startTime: Double?
    public var bitrate: Int?
    public var streamCount: Int
    public var videoWidth: Int?
    public var videoHeight: Int?
    public var videoStreams: [VideoStream]
    public var audioStreams: [AudioStream]
    public var subtitles: [SubtitleStream]

    enum CodingKeys: String, CodingKey {
        case size = "Size", formatName = "FormatName", formatLongName = "FormatLongName", duration = "Duration"
        case startTime = "StartTime", bitrate = "Bitrate", streamCount = "StreamCount", videoWidth = "VideoWidth"
        case videoHeight = "VideoHeight", videoStreams = "VideoStreams", audioStreams = "AudioStreams"
        case subtitles = "Subtitles"
    }

    /// From ffprobe's JSON about an untrusted file (its numbers and names come from that file): bounded by the
    /// child's output limit before it gets here, and fuzzed.
    public init(ffprobeJSON: [UInt8], size: Int64) throws(MediaError) {
        let probe: FFProbeDocument
        do {
            probe = try JSONDecoder().decode(FFProbeDocument.self, from: Data(ffprobeJSON))
        } catch {
            throw .badMedia("The object is not media this server can read.")
        }
        // Media means a picture or a sound: a file ffprobe reads only as text (random bytes sometimes pass as LRC
        // lyrics) or data is not.
        guard let format = probe.format,
              (probe.streams ?? []).contains(where: { $0.codec_type == "video" || $0.codec_type == "audio" }) else {
            throw .badMedia("The object is not media this server can read.")
        }
        self.init(probe: probe, format: format, size: size)
    }

    init(probe: FFProbeDocument, format: FFProbeDocument.Format, size: Int64) {
        let streams = probe.streams ?? []
        self.size = size
        formatName = format.format_name
        formatLongName = format.format_long_name
        duration = format.duration.flatMap(Double.init)
        startTime = format.start_time.flatMap(Double.init)
        bitrate = format.bit_rate.flatMap { Int($0) }
        streamCount = format.nb_streams ?? streams.count
        videoStreams = streams.filter { $0.codec_type == "video" && $0.disposition?.attached_pic != 1 }.map { stream in
            VideoStream(index: stream.index, codecName: stream.codec_name, codecLongName: stream.codec_long_name,
                        profile: stream.profile, width: stream.width, height: stream.height, pixelFormat: stream.pix_fmt,
                        frameRate: stream.r_frame_rate, averageFrameRate: stream.avg_frame_rate,
                        sampleAspectRatio: stream.sample_aspect_ratio, displayAspectRatio: stream.display_aspect_ratio,
                        duration: stream.duration.flatMap(Double.init), bitrate: stream.bit_rate.flatMap { Int($0) },
                        frameCount: stream.nb_frames.flatMap { Int($0) }, rotate: stream.rotation,
                        language: stream.tags?.language)
        }
        audioStreams = streams.filter { $0.codec_type == "audio" }.map { stream in
            AudioStream(index: stream.index, codecName: stream.codec_name, codecLongName: stream.codec_long_name,
                        sampleRate: stream.sample_rate.flatMap { Int($0) }, channels: stream.channels,
                        channelLayout: stream.channel_layout, sampleFormat: stream.sample_fmt,
                        duration: stream.duration.flatMap(Double.init), bitrate: stream.bit_rate.flatMap { Int($0) },
                        language: stream.tags?.language)
        }
        subtitles = streams.filter { $0.codec_type == "subtitle" }.map { stream in
            SubtitleStream(index: stream.index, codecName: stream.codec_name, language: stream.tags?.language)
        }
        // The picture as shown: a stream rotated by a quarter turn is displayed with its sides swapped.
        if let first = videoStreams.first, let width = first.width, let height = first.height {
            let turn = ((first.rotate ?? 0) % 360 + 360) % 360
            let quarterTurn = turn == 90 || turn == 270
            videoWidth = quarterTurn ? height : width
            videoHeight = quarterTurn ? width : height
        }
    }
}

/// The parts of `ffprobe -print_format json -show_format -show_streams` that `MediaInfo` uses; ffprobe spells
/// numbers of the container as strings.
struct FFProbeDocument: Decodable {
    struct Format: Decodable {
        var format_name: String?
        var format_long_name: String?
        var duration: String?
        var start_time: String?
        var bit_rate: String?
        var nb_streams: Int?
    }

    struct Stream: Decodable {
        struct Tags: Decodable {
            var language: String?
            var rotate: String?
        }

        struct Disposition: Decodable {
            var attached_pic: Int?
        }

        struct SideData: Decodable {
            var rotation: Int?
        }

        var index: Int
        var codec_type: String?
        var codec_name: String?
        var codec_long_name: String?
        var profile: String?
        var width: Int?
        var height: Int?
        var pix_fmt: String?
        var r_frame_rate: String?
        var avg_frame_rate: String?
        var sample_aspect_ratio: String?
        var display_aspect_ratio: String?
        var duration: String?
        var bit_rate: String?
        var nb_frames: String?
        var sample_rate: String?
        var sample_fmt: String?
        var channels: Int?
        var channel_layout: String?
        var tags: Tags?
        var disposition: Disposition?
        var side_data_list: [SideData]?

        /// Degrees the display matrix turns the picture (ffmpeg 5 reports it as side data, older muxers as a tag).
        var rotation: Int? {
            side_data_list?.lazy.compactMap(\.rotation).first ?? tags?.rotate.flatMap { Int($0) }
        }
    }

    var streams: [Stream]?
    var format: Format?
}
