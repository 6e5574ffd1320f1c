import Foundation
import Testing

@testable import SiloCore

/// The AsyncProcessObject body grammar: actions, their parameters and ranges, sys/saveas and notify.
@Suite struct AsyncProcessTests {
    static func b64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func code(_ body: String) -> String? {
        do {
            _ = try AsyncProcessRequest.parse(form: body)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func videoConvertAsOSSDocumentsIt() throws {
        let body = "x-oss-async-process=video/convert,f_mp4,vcodec_h265,s_1920x1080,vb_2000000,fps_30,acodec_aac,ab_100000,sn_1"
            + "|sys/saveas,o_\(Self.b64("out/clip.mp4")),b_\(Self.b64("renditions"))/notify,topic_\(Self.b64("https://app.example/hook"))"
        let request = try AsyncProcessRequest.parse(form: body)
        guard case .convert(let conversion) = request.action else { Issue.record("not a conversion"); return }
        #expect(conversion.container == .mp4 && conversion.videoCodec == .h265 && conversion.audioCodec == .aac)
        #expect(conversion.width == 1920 && conversion.height == 1080 && conversion.framesPerSecond == 30)
        #expect(conversion.videoBitrate == 2_000_000 && conversion.audioBitrate == 100_000)
        #expect(request.targetKey == "out/clip.mp4" && request.targetBucket == "renditions")
        #expect(request.notifyURL == "https://app.example/hook")
    }

    @Test func audioConvertAndDefaults() throws {
        let request = try AsyncProcessRequest.parse(form: "x-oss-async-process=audio/convert,f_mp3,ab_128000,ar_44100,ac_2|sys/saveas,o_\(Self.b64("a.mp3"))")
        guard case .convert(let conversion) = request.action else { Issue.record("not a conversion"); return }
        #expect(conversion.videoCodec == nil && conversion.audioCodec == .mp3 && conversion.sampleRate == 44_100)
        let webm = try AsyncProcessRequest.parse(form: "x-oss-async-process=video/convert,f_webm,s_640x0|sys/saveas,o_\(Self.b64("v.webm"))")
        guard case .convert(let small) = webm.action else { Issue.record("not a conversion"); return }
        #expect(small.videoCodec == .vp9 && small.audioCodec == .opus && small.width == 640 && small.height == nil)
    }

    @Test func snapshotSeriesNeedsAnIndexedKey() throws {
        let request = try AsyncProcessRequest.parse(form: "x-oss-async-process=video/snapshots,f_jpg,inter_1000,num_5,w_320|sys/saveas,o_\(Self.b64("frames/{index}.jpg"))")
        guard case .snapshots(let series) = request.action else { Issue.record("not a series"); return }
        #expect(series.count == 5 && series.intervalMilliseconds == 1000 && series.width == 320 && series.format == .jpg)
        #expect(Self.code("x-oss-async-process=video/snapshots,f_jpg,inter_1000|sys/saveas,o_\(Self.b64("frame.jpg"))") == "InvalidArgument")
    }

    @Test(arguments: [
        ("video/convert,f_mp4", "InvalidArgument"),  // no saveas
        ("video/convert|sys/saveas,o_YQ", "MissingArgument"),
        ("video/convert,f_gif|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,vcodec_av1|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_webm,vcodec_h264|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,s_5000x100|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,s_0x0|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,fps_0|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,an_1,vn_1|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,an_1,ab_1000|sys/saveas,o_YQ", "InvalidArgument"),
        ("audio/convert,f_mp3,vcodec_h264|sys/saveas,o_YQ", "InvalidArgument"),
        ("audio/convert,f_mp3,acodec_aac|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4,bogus_1|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg|sys/saveas,o_YQ", "InvalidArgument"),
        ("image/resize,w_1|sys/saveas,o_YQ", "InvalidArgument"),
        ("video/convert,f_mp4|sys/saveas,o_!!", "BadRequest"),
        ("video/convert,f_mp4|sys/saveas,x_YQ", "InvalidArgument"),
        ("video/convert,f_mp4|sys/saveas,o_YQ/notify,topic_\(b64("ftp://x/y"))", "InvalidArgument"),
        ("video/convert,f_mp4|sys/saveas,o_YQ/other,a_b", "InvalidArgument"),
        ("video/convert,f_mp4|sys/saveas,o_YQ|extra", "InvalidArgument"),
    ])
    func refusals(process: String, code: String) {
        #expect(Self.code("x-oss-async-process=" + process) == code, "\(process)")
    }

    @Test func boundsAndForms() {
        #expect(Self.code("video/convert,f_mp4|sys/saveas,o_YQ") == "InvalidArgument")
        #expect(Self.code("x-oss-async-process=" + String(repeating: "a", count: 5000)) == "InvalidArgument")
        // Some SDKs form-encode the value.
        #expect(Self.code("x-oss-async-process=video%2Fconvert%2Cf_mp4%7Csys%2Fsaveas%2Co_YQ") == nil)
    }

    @Test func requestsRoundTripThroughTheirStoredForm() throws {
        let request = try AsyncProcessRequest.parse(form: "x-oss-async-process=video/convert,f_mkv,vcodec_vp9,acodec_flac,ss_1000,t_2000|sys/saveas,o_YQ")
        let stored = try JSONEncoder().encode(request)
        #expect(try JSONDecoder().decode(AsyncProcessRequest.self, from: stored) == request)
    }
}
