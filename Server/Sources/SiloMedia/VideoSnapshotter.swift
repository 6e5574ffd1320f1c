import Foundation
import NIOConcurrencyHelpers
import SiloCore

/// `video/snapshot`: one frame as JPEG or PNG, by one `ffmpeg` run (two when the position is past the end).
struct VideoSnapshotter {
    let runner: ConfinedProcess

    func snapshot(_ request: VideoSnapshot, input: MediaInput) async throws(MediaError) -> [UInt8] {
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        let output = directory.path + "/frame." + request.format.rawValue
        // The frame at the position; when the position is past the end, ffmpeg succeeds with nothing written, and
        // OSS's answer is the last frame: the final second is decoded and each frame overwrites the previous one.
        for fromEnd in [false, true] {
            let arguments = arguments(request, input: input, output: output, fromEnd: fromEnd)
            if let frame = try await run(arguments, input: input, output: output) { return frame }
        }
        throw .badMedia("The video has no frame to take.")
    }

    private func run(_ arguments: [String], input: MediaInput, output: String) async throws(MediaError) -> [UInt8]? {
        let outcome = try await runner.run(runner.tools.ffmpeg, arguments, input: input,
                                           fileSizeLimit: runner.limits.maxOutputBytes)
        guard outcome.status.isSuccess else { throw runner.failure(outcome, tool: "ffmpeg") }
        guard let data = FileManager.default.contents(atPath: output), !data.isEmpty else { return nil }
        return [UInt8](data)
    }

    func arguments(_ request: VideoSnapshot, input: MediaInput, output: String, fromEnd: Bool) -> [String] {
        var arguments = ["-nostdin", "-hide_banner", "-v", "error", "-threads", String(runner.limits.threads)]
        if fromEnd {
            arguments += ["-sseof", "-1"]
        } else {
            if request.nearestKeyframe { arguments.append("-noaccurate_seek") }
            arguments += ["-ss", Self.seconds(request.milliseconds)]
        }
        if !request.autoRotate { arguments.append("-noautorotate") }
        arguments += [
            "-protocol_whitelist", MediaInput.protocolWhitelist, "-max_pixels", String(runner.limits.maxPixels),
            "-i", input.url, "-map", "0:v:0", "-an", "-sn", "-dn",
        ]
        if let scale = Self.scale(width: request.width, height: request.height) { arguments += ["-vf", scale] }
        if fromEnd {
            arguments += ["-update", "1"]
        } else {
            arguments += ["-frames:v", "1"]
        }
        switch request.format {
        case .jpg: arguments += ["-c:v", "mjpeg", "-q:v", "2"]
        case .png: arguments += ["-c:v", "png"]
        }
        arguments += ["-f", "image2", "-protocol_whitelist", "file", "-y", output]
        return arguments
    }

    /// OSS's sizes: a 0 side follows the other in proportion; both 0 keep the frame's own size.
    static func scale(width: Int, height: Int) -> String? {
        switch (width, height) {
        case (0, 0): nil
        case (_, 0): "scale=\(width):-1"
        case (0, _): "scale=-1:\(height)"
        default: "scale=\(width):\(height)"
        }
    }

    static func seconds(_ milliseconds: Int) -> String {
        String(format: "%d.%03d", milliseconds / 1000, milliseconds % 1000)
    }
}

/// A directory only this process's user can enter, for one child's output; removed with everything in it.
public struct PrivateDirectory: Sendable {
    public let path: String

    /// Where they are made: the server's own work folder once `useWorkFolder` names one, else the system's temporary
    /// folder (tests, tools).
    private static let root = NIOLockedValueBox<String?>(nil)

    /// Makes `path` (mode 0700) this process's place for media output, and empties it: what a killed Silo left
    /// there (a half-written rendition) is removed at the next start. The folder is the gateway's own (in its data
    /// folder), so no other process's work is touched.
    public static func useWorkFolder(_ path: String) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in try files.contentsOfDirectory(atPath: path) { try? files.removeItem(atPath: path + "/" + name) }
        root.withLockedValue { $0 = path }
    }

    public init() throws(MediaError) {
        let parent = Self.root.withLockedValue { $0 } ?? NSTemporaryDirectory()
        var template = Array((parent + "/silo-media-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .internalFailure("A private directory for media output could not be made.")
        }
        path = String(cString: made)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
