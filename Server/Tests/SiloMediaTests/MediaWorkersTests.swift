import Foundation
import SiloCore
import Testing

@testable import SiloMedia

/// Snapshots and media info from real clips through the confined ffmpeg and ffprobe, and the refusals of files a
/// hostile uploader could store.
@Suite struct MediaWorkersTests {
    static func workers(_ limits: MediaLimits = MediaLimits(), maxQueued: Int = 32) throws -> MediaWorkers {
        MediaWorkers(tools: try MediaFixtures.tools, limits: limits, maxQueued: maxQueued)
    }

    static func snapshot(_ process: String, _ clip: [UInt8], padding: Int = 0, limits: MediaLimits = MediaLimits())
        async throws -> ImageHeader?
    {
        guard case .video(.snapshot(let request)) = try ProcessRequest.parse(process) else { throw OSSError.badRequest("not a snapshot") }
        let workers = try workers(limits)
        let image = try await MediaFixtures.withInput(clip, padding: padding) { try await workers.snapshot(request, input: $0) }
        return ImageHeader.sniff(image)
    }

    @Test func aSnapshotIsTheFrameAtTheTimeScaledAsAsked() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.h264())
        #expect(try await Self.snapshot("video/snapshot,t_1000,f_jpg,w_320,h_240", clip)
            == ImageHeader(format: "jpg", width: 320, height: 240))
        // A 0 side follows the other in proportion; both 0 keep the video's size.
        #expect(try await Self.snapshot("video/snapshot,t_1000,f_png,w_320,h_0", clip)
            == ImageHeader(format: "png", width: 320, height: 180))
        #expect(try await Self.snapshot("video/snapshot,t_0,f_jpg", clip) == ImageHeader(format: "jpg", width: 640, height: 360))
        #expect(try await Self.snapshot("video/snapshot,t_2500,f_jpg,w_0,h_90,m_fast", clip)
            == ImageHeader(format: "jpg", width: 160, height: 90))
    }

    @Test func aTimePastTheEndIsTheLastFrame() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.h264())
        #expect(try await Self.snapshot("video/snapshot,t_600000,f_png,w_64", clip) == ImageHeader(format: "png", width: 64, height: 36))
    }

    @Test func onlyTheObjectsSpanOfTheBlobIsRead() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.h264())
        #expect(try await Self.snapshot("video/snapshot,t_500,f_jpg,w_100,h_100", clip, padding: 12_345)
            == ImageHeader(format: "jpg", width: 100, height: 100))
    }

    @Test func arAutoTurnsTheFrameUpright() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.rotated())
        #expect(try await Self.snapshot("video/snapshot,t_500,f_jpg", clip) == ImageHeader(format: "jpg", width: 640, height: 360))
        #expect(try await Self.snapshot("video/snapshot,t_500,f_jpg,ar_auto", clip)
            == ImageHeader(format: "jpg", width: 360, height: 640))
    }

    @Test func infoDescribesTheContainerAndItsStreams() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.rotated())
        let workers = try Self.workers()
        let info = try await MediaFixtures.withInput(clip, padding: 7) { try await workers.info(input: $0) }
        #expect(info.size == Int64(clip.count))
        #expect(info.formatName?.contains("mp4") == true)
        #expect(abs((info.duration ?? 0) - 4) < 0.1)
        #expect(info.streamCount == 2)
        #expect(info.videoStreams.count == 1 && info.audioStreams.count == 1)
        #expect(info.videoStreams.first?.codecName == "h264")
        #expect(info.videoStreams.first?.width == 640 && info.videoStreams.first?.height == 360)
        #expect(info.videoStreams.first?.rotate.map { abs($0) } == 90)
        // As shown: a quarter turn swaps the sides.
        #expect(info.videoWidth == 360 && info.videoHeight == 640)
        #expect(info.audioStreams.first?.codecName == "aac" && info.audioStreams.first?.sampleRate == 44100)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(info)) as? [String: Any]
        #expect(json?["FormatName"] != nil && json?["VideoStreams"] is [Any] && json?["Size"] as? Int == clip.count)
    }

    @Test func aFileReadOnlyAsTextIsNotMedia() throws {
        // What ffprobe says of some random bytes: LRC lyrics, one text stream.
        let lyrics = Array(#"{"streams":[{"index":0,"codec_type":"subtitle","codec_name":"text"}],"format":{"format_name":"lrc"}}"#.utf8)
        #expect(throws: MediaError.badMedia("The object is not media this server can read.")) {
            _ = try MediaInfo(ffprobeJSON: lyrics, size: 200_000)
        }
        let sound = Array(#"{"streams":[{"index":0,"codec_type":"audio","codec_name":"mp3"}],"format":{"format_name":"mp3"}}"#.utf8)
        #expect(try MediaInfo(ffprobeJSON: sound, size: 10).audioStreams.count == 1)
    }

    @Test func hostileFilesAreRefusedAndNothingElseBreaks() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.h264())
        let workers = try Self.workers()
        let request = VideoSnapshot(milliseconds: 1000, format: .jpg)
        // Not media at all, a truncated MP4 (its index is at the end), and an audio-only file.
        let text = Array("this is not a video".utf8)
        let truncated = Array(clip.prefix(clip.count / 3))
        let audio = try MediaFixtures.bytes(try await MediaFixtures.clip("tone.m4a", [
            "-f", "lavfi", "-i", "sine=frequency=440", "-t", "1", "-c:a", "aac",
        ]))
        for bytes in [text, truncated, audio] {
            await #expect(throws: MediaError.badMedia("The object is not media this server can read.")) {
                _ = try await MediaFixtures.withInput(bytes) { try await workers.snapshot(request, input: $0) }
            }
        }
        await #expect(throws: MediaError.badMedia("The object is not media this server can read.")) {
            _ = try await MediaFixtures.withInput(text) { try await workers.info(input: $0) }
        }
        // A frame past the pixel limit is refused by the decoder before it allocates.
        let bomb = try MediaFixtures.bytes(try await MediaFixtures.bomb())
        #expect(bomb.count < 64 * 1024)
        await #expect(throws: MediaError.tooLarge("The media needs more memory or pixels than this server allows.")) {
            _ = try await MediaFixtures.withInput(bomb) { try await workers.snapshot(request, input: $0) }
        }
        // The workers still serve a good file afterwards.
        let image = try await MediaFixtures.withInput(clip) { try await workers.snapshot(request, input: $0) }
        #expect(ImageHeader.sniff(image)?.width == 640)
    }

    @Test func theBoundsHold() async throws {
        let clip = try MediaFixtures.bytes(try await MediaFixtures.h264())
        let request = VideoSnapshot(milliseconds: 3000, format: .png)
        // A child that outlives its wall time is killed.
        let hurried = try Self.workers(MediaLimits(wallSeconds: 0))
        await #expect(throws: MediaError.tooLarge("Processing the media took longer than 0 seconds.")) {
            _ = try await MediaFixtures.withInput(clip) { try await hurried.snapshot(request, input: $0) }
        }
        // Output past the size limit is never kept: the kernel stops the write (SIGXFSZ).
        let small = try Self.workers(MediaLimits(maxOutputBytes: 1_000))
        await #expect(throws: MediaError.tooLarge("The processed output is larger than this server allows.")) {
            _ = try await MediaFixtures.withInput(clip) { try await small.snapshot(request, input: $0) }
        }
        // A child under a tiny address space fails to start its decoder rather than using the host's memory.
        let starved = try Self.workers(MediaLimits(memoryBytes: 64 << 20))
        await #expect(throws: MediaError.self) {
            _ = try await MediaFixtures.withInput(clip) { try await starved.snapshot(request, input: $0) }
        }
        // No room in the queue: refused at once.
        let full = try Self.workers(maxQueued: 0)
        await #expect(throws: MediaError.busy) {
            _ = try await MediaFixtures.withInput(clip) { try await full.snapshot(request, input: $0) }
        }
    }
}
