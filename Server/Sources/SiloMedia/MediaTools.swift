import Foundation

/// The executables media processing runs: Debian's `ffmpeg` and `ffprobe`, each started through util-linux's
/// `prlimit` so the kernel bounds it. Silo runs them as child processes and never links libav*, which would bind
/// its binary to the GPL.
public struct MediaTools: Sendable, Hashable {
    public var ffmpeg: String
    public var ffprobe: String
    public var prlimit: String

    public init(ffmpeg: String, ffprobe: String, prlimit: String) {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.prlimit = prlimit
    }

    /// The three found on `searchPath` (a `PATH`-style list), or nil when any is missing: media processing is then
    /// off and answers NotImplemented, as image processing does without libvips.
    public static func locate(searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        -> MediaTools?
    {
        let directories = searchPath.split(separator: ":").map(String.init)
        func find(_ name: String) -> String? {
            for directory in directories {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return nil
        }
        guard let ffmpeg = find("ffmpeg"), let ffprobe = find("ffprobe"), let prlimit = find("prlimit") else { return nil }
        return MediaTools(ffmpeg: ffmpeg, ffprobe: ffprobe, prlimit: prlimit)
    }
}
