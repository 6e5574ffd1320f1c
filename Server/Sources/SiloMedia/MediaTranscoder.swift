import Foundation
import Logging
import SiloCore

/// The asynchronous actions: `video/convert` and `audio/convert` into one file, `video/snapshots` into one file per
/// frame, each by one confined `ffmpeg` run writing into a private directory. The caller stores the files as objects
/// and removes the directory.
public struct MediaTranscoder: Sendable {
    public let tools: MediaTools
    public let limits: MediaLimits

    /// Transcodes are long: an hour of wall time, two of CPU, 2 GiB of address space and 4 GiB of output by default.
    public static let jobLimits = MediaLimits(wallSeconds: 3_600, cpuSeconds: 7_200, memoryBytes: 2 << 30,
                                              maxOutputBytes: 4 << 30, maxPixels: 8_192 * 8_192, maxSpoolBytes: 4 << 30,
                                              threads: 2)

    public init(tools: MediaTools, limits: MediaLimits = MediaTranscoder.jobLimits) {
        self.tools = tools
        self.limits = limits
    }

    /// The files made, in order, inside `directory`. `progress` hears the share done, 0 to 99, as ffmpeg reports it.
    public func run(_ action: AsyncProcessRequest.Action, input: MediaInput, directory: String,
                    logger: Logger = Logger(label: "silo.media"),
                    progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws(MediaError) -> [String] {
        let runner = ConfinedProcess(tools: tools, limits: limits, logger: logger)
        let tracker = try await ProgressTracker(action, input: input, runner: runner, report: progress)
        let arguments: [String]
        let pattern: String
        switch action {
        case .convert(let conversion):
            pattern = directory + "/output." + conversion.container.fileExtension
            arguments = Self.arguments(conversion, input: input, output: pattern, threads: limits.threads, maxPixels: limits.maxPixels)
        case .snapshots(let series):
            pattern = directory + "/frame-%04d." + series.format.rawValue
            arguments = Self.arguments(series, input: input, output: pattern, threads: limits.threads, maxPixels: limits.maxPixels)
        }
        let outcome = try await runner.stream(tools.ffmpeg, arguments, input: input, fileSizeLimit: limits.maxOutputBytes,
                                              onLine: tracker.read)
        guard outcome.status.isSuccess else { throw runner.failure(outcome, tool: "ffmpeg") }
        let made = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
        guard !made.isEmpty else { throw .badMedia("The media produced no output.") }
        return made
    }

    static func common(input: MediaInput, threads: Int, maxPixels: Int, start: Int?) -> [String] {
        // Progress once a second on stdout, a pipe to Silo: if Silo dies (kill -9), the next write fails and ffmpeg
        // ends, so no orphan keeps transcoding for a job that another worker will start over.
        var arguments = ["-nostdin", "-hide_banner", "-v", "error", "-progress", "pipe:1", "-stats_period", "1",
                         "-threads", String(threads)]
        if let start { arguments += ["-ss", VideoSnapshotter.seconds(start)] }
        arguments += ["-protocol_whitelist", MediaInput.protocolWhitelist, "-max_pixels", String(maxPixels), "-i", input.url]
        return arguments
    }

    static func arguments(_ conversion: MediaConversion, input: MediaInput, output: String, threads: Int, maxPixels: Int)
        -> [String]
    {
        var arguments = common(input: input, threads: threads, maxPixels: maxPixels, start: conversion.startMilliseconds)
        if let duration = conversion.durationMilliseconds { arguments += ["-t", VideoSnapshotter.seconds(duration)] }
        if let video = conversion.videoCodec {
            arguments += ["-map", "0:v:0"]
            switch video {
            case .h264: arguments += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
            case .h265: arguments += ["-c:v", "libx265", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error"]
            case .vp9: arguments += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1"]
            }
            if conversion.width != nil || conversion.height != nil {
                // Encoders want even sides; a missing side follows the other in proportion.
                let width = conversion.width.map(String.init) ?? "-2"
                let height = conversion.height.map(String.init) ?? "-2"
                arguments += ["-vf", "scale=\(width):\(height)"]
            }
            if let fps = conversion.framesPerSecond { arguments += ["-r", String(fps)] }
            if let bitrate = conversion.videoBitrate { arguments += ["-b:v", String(bitrate)] }
        } else {
            arguments.append("-vn")
        }
        if let audio = conversion.audioCodec {
            // An input without audio simply gives an output without audio.
            arguments += ["-map", "0:a:0?"]
            switch audio {
            case .aac: arguments += ["-c:a", "aac"]
            case .mp3: arguments += ["-c:a", "libmp3lame"]
            case .opus: arguments += ["-c:a", "libopus"]
            case .vorbis: arguments += ["-c:a", "libvorbis"]
            case .flac: arguments += ["-c:a", "flac"]
            case .pcm: arguments += ["-c:a", "pcm_s16le"]
            }
            if let bitrate = conversion.audioBitrate { arguments += ["-b:a", String(bitrate)] }
            if let rate = conversion.sampleRate { arguments += ["-ar", String(rate)] }
            if let channels = conversion.channels { arguments += ["-ac", String(channels)] }
        } else {
            arguments.append("-an")
        }
        arguments += ["-sn", "-dn", "-map_metadata", "-1"]
        if conversion.container == .mp4 || conversion.container == .mov || conversion.container == .m4a {
            // The index at the front, so players (and snapshots of the rendition) start without reading to the end.
            arguments += ["-movflags", "+faststart"]
        }
        arguments += ["-f", conversion.container.muxer, "-protocol_whitelist", "file", "-y", output]
        return arguments
    }

    static func arguments(_ series: SnapshotSeries, input: MediaInput, output: String, threads: Int, maxPixels: Int)
        -> [String]
    {
        var arguments = common(input: input, threads: threads, maxPixels: maxPixels,
                               start: series.startMilliseconds > 0 ? series.startMilliseconds : nil)
        var filters = ["fps=1000/\(series.intervalMilliseconds)"]
        if let scale = VideoSnapshotter.scale(width: series.width, height: series.height) { filters.append(scale) }
        arguments += ["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", filters.joined(separator: ","),
                      "-frames:v", String(series.count)]
        switch series.format {
        case .jpg: arguments += ["-c:v", "mjpeg", "-q:v", "2"]
        case .png: arguments += ["-c:v", "png"]
        }
        arguments += ["-f", "image2", "-protocol_whitelist", "file", "-y", output]
        return arguments
    }
}

extension MediaConversion.Container {
    var fileExtension: String { rawValue }

    /// ffmpeg's muxer for the container.
    var muxer: String {
        switch self {
        case .mkv: "matroska"
        case .ts: "mpegts"
        case .aac: "adts"
        case .m4a: "ipod"
        case .opus: "ogg"
        default: rawValue
        }
    }
}

/// Turns ffmpeg's `-progress` lines (`out_time_us=…`, `frame=…`) into a share of the whole: the output's expected
/// duration (the source's, less `ss_`, at most `t_`) for conversions, the number of frames for snapshot series.
struct ProgressTracker: Sendable {
    let totalMicroseconds: Int64?
    let totalFrames: Int?
    let report: @Sendable (Int) -> Void

    init(_ action: AsyncProcessRequest.Action, input: MediaInput, runner: ConfinedProcess,
         report: @escaping @Sendable (Int) -> Void) async throws(MediaError) {
        self.report = report
        switch action {
        case .snapshots(let series):
            totalFrames = series.count
            totalMicroseconds = nil
        case .convert(let conversion):
            totalFrames = nil
            // One ffprobe (tens of milliseconds) for the source's duration; without one, progress stays unknown.
            let duration = (try? await MediaProbe(runner: runner).info(input: input))?.duration
            let start = Double(conversion.startMilliseconds ?? 0) / 1000
            var seconds = duration.map { max(0, $0 - start) }
            if let limit = conversion.durationMilliseconds.map({ Double($0) / 1000 }) { seconds = min(seconds ?? limit, limit) }
            totalMicroseconds = seconds.flatMap { $0 > 0 ? Int64($0 * 1_000_000) : nil }
        }
    }

    func read(_ line: String) {
        if let totalMicroseconds, line.hasPrefix("out_time_us="), let done = Int64(line.dropFirst("out_time_us=".count)) {
            report(Self.share(done, of: totalMicroseconds))
        } else if let totalFrames, line.hasPrefix("frame="), let done = Int64(line.dropFirst("frame=".count)) {
            report(Self.share(done, of: Int64(totalFrames)))
        }
    }

    /// 0 to 99: 100 is said only once the outputs are stored.
    static func share(_ done: Int64, of total: Int64) -> Int {
        guard total > 0, done > 0 else { return 0 }
        return Int(min(99, done.multipliedReportingOverflow(by: 100).partialValue / total))
    }
}
