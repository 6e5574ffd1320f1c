import Foundation
import SiloCore
import Subprocess
import SystemPackage

@testable import SiloMedia

/// Clips made offline by ffmpeg's own lavfi sources, once per test process, and the hostile files beside them.
enum MediaFixtures {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "/silo-media-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static var tools: MediaTools {
        get throws {
            guard let tools = MediaTools.locate() else { throw FixtureError("ffmpeg, ffprobe and prlimit must be installed") }
            return tools
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// `name` made once by `ffmpeg arguments… <path>`. ffmpeg runs as an awaited child (never a blocking wait, which
    /// would hold one of the few cooperative threads every other test in the process needs).
    static func clip(_ name: String, _ arguments: [String]) async throws -> String {
        try await Made.shared.path(name) {
            let path = directory + "/" + name
            let partial = directory + "/partial-\(UUID().uuidString)." + (name as NSString).pathExtension
            let result = try await Subprocess.run(.path(FilePath(try tools.ffmpeg)),
                                                  arguments: Arguments(["-nostdin", "-v", "error", "-y"] + arguments + [partial]),
                                                  output: .discarded, error: .string(limit: 64 * 1024))
            guard result.terminationStatus.isSuccess, rename(partial, path) == 0 else {
                throw FixtureError("ffmpeg could not make \(name): \(result.standardError)")
            }
            return path
        }
    }

    /// Each fixture made once however many tests ask for it at the same time.
    actor Made {
        static let shared = Made()
        private var paths: [String: Task<String, any Error>] = [:]

        func path(_ name: String, make: @escaping @Sendable () async throws -> String) async throws -> String {
            if let task = paths[name] { return try await task.value }
            let task = Task { try await make() }
            paths[name] = task
            return try await task.value
        }
    }

    /// 4 s of 640×360 H.264 at 25 fps with a keyframe every 2 s, and AAC audio.
    static func h264() async throws -> String {
        try await clip("h264.mp4", [
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
        ])
    }

    /// The same picture tagged to be shown turned a quarter.
    static func rotated() async throws -> String {
        try await clip("rotated.mp4", ["-i", try await h264(), "-c", "copy", "-metadata:s:v:0", "rotate=90"])
    }

    /// One 9000×9000 frame that compresses to almost nothing: a decompression bomb past the pixel limit.
    static func bomb() async throws -> String {
        try await clip("bomb.mkv", ["-f", "lavfi", "-i", "color=black:size=9000x9000:rate=1", "-frames:v", "1", "-c:v", "ffv1"])
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// `bytes` in a new file after `padding` other bytes, as a blob holding other data before the object's span.
    static func withInput<Answer>(_ bytes: [UInt8], padding: Int = 0, _ body: (MediaInput) async throws -> Answer)
        async throws -> Answer
    {
        let path = directory + "/input-\(UUID().uuidString)"
        var contents = Data(repeating: 0x5A, count: padding)
        contents.append(contentsOf: bytes)
        try contents.write(to: URL(fileURLWithPath: path))
        let descriptor = try FileDescriptor.open(FilePath(path), .readOnly)
        defer {
            try? descriptor.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        return try await body(MediaInput(descriptor: descriptor, offset: Int64(padding), length: Int64(bytes.count)))
    }
}
