import Testing

@testable import SiloCore

/// The x-oss-process grammar of spec §14: what parses, into what, and the error for everything else.
@Suite struct ProcessRequestTests {
    static func pipeline(_ text: String) throws -> ImagePipeline {
        guard case .image(let pipeline) = try ProcessRequest.parse(text) else { throw OSSError.badRequest("not an image") }
        return pipeline
    }

    static func code(_ text: String) -> String? {
        do {
            _ = try ProcessRequest.parse(text)
            return nil
        } catch {
            #expect(error.status == 400, "\(text)")
            return error.code
        }
    }

    @Test func theSpecsExample() throws {
        let pipeline = try Self.pipeline("image/resize,w_200/rotate,90/format,webp")
        var resize = ImageOperation.Resize()
        resize.width = 200
        #expect(pipeline.operations == [.resize(resize), .rotate(degrees: 90), .format(.webp)])
        #expect(pipeline.outputFormat == .webp)
        #expect(pipeline.canonical == "image/resize,m_lfit,w_200,limit_1/rotate,90/format,webp")
    }

    @Test func oss2sImageTestStrings() throws {
        #expect(try Self.pipeline("image/resize,m_fixed,w_100,h_100").canonical == "image/resize,m_fixed,w_100,h_100,limit_1")
        let crop = try Self.pipeline("image/crop,w_100,h_100,x_100,y_100,r_1")
        #expect(crop.canonical == "image/crop,w_100,h_100,x_100,y_100,g_nw")
        #expect(try Self.pipeline("image/info").answersJSON)
        let text = try Self.pipeline("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ")
        guard case .watermark(let mark) = text.operations[0], case .text(let words, let font, _, let size, _, _, _) = mark.content else {
            Issue.record("not a text watermark")
            return
        }
        #expect(words == "Hello 图片服务!" && font == "wqy-zenhei" && size == 40 && mark.gravity == .se && mark.opacity == 100)
        let image = try Self.pipeline("image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,g_nw,x_5")
        #expect(image.operations == [.watermark(ImageOperation.Watermark(
            content: .image(key: "panda.png", process: "image/resize,P_30", percent: nil), opacity: 100, gravity: .nw, x: 5, y: 10,
            verticalOffset: 0))])
    }

    @Test func styles() throws {
        #expect(try ProcessRequest.parse("style/thumb_200.v2") == .style("thumb_200.v2"))
        #expect(Self.code("style/") == "InvalidArgument")
        #expect(Self.code("style/a/b") == "InvalidArgument")
        #expect(Self.code("style/" + String(repeating: "s", count: 64)) == "InvalidArgument")
    }

    /// Whatever the SDK's builder writes, the server reads back, and one meaning has one canonical spelling.
    @Test func everyBuilderOutputParses() throws {
        let built: [ImageProcess] = [
            ImageProcess().autoOrient().resize(.fill, width: 200, height: 200).format(.webp).quality(absolute: 80),
            ImageProcess().resize(.pad, width: 50, height: 60, enlarge: true, color: "FF00aa"),
            ImageProcess().resize(longSide: 300).resize(shortSide: 20).resize(percent: 150),
            ImageProcess().crop(width: 10, height: 20, x: 1, y: 2, gravity: .center).indexCrop(sliceHeight: 30, index: 2),
            ImageProcess().circle(radius: 40).roundedCorners(radius: 12).rotate(270).blur(radius: 3, sigma: 2),
            ImageProcess().bright(-20).contrast(35).sharpen(100).quality(relative: 90).interlace(),
            ImageProcess().watermark(text: "© Silo", font: "wqy-microhei", color: "FFFFFF", size: 24, shadow: 50, rotate: 15,
                                     tile: true, placement: .init(gravity: .south, x: 0, y: 20, verticalOffset: -5, opacity: 70)),
            ImageProcess().watermark(imageKey: "logo.png", process: ImageProcess().resize(percent: 30), percent: 10),
            ImageProcess().info(), ImageProcess().averageHue(),
        ]
        for process in built {
            let parsed = try Self.pipeline(process.string)
            let again = try Self.pipeline(parsed.canonical)
            #expect(again == parsed, "\(process.string)")
            #expect(again.canonical == parsed.canonical)
        }
    }

    @Test func parameterOrderAndDefaultsDoNotChangeTheCanonicalForm() throws {
        let a = try Self.pipeline("image/resize,w_100,h_50,m_lfit,limit_1")
        let b = try Self.pipeline("image/resize,h_50,w_100")
        #expect(a.canonical == b.canonical)
        #expect(try Self.pipeline("image/format,JPEG").canonical == "image/format,jpg")
    }

    @Test(arguments: [
        ("image/", "InvalidArgument"),
        ("image/resize", "MissingArgument"),
        ("image/resize,w_0", "InvalidArgument"),
        ("image/resize,w_16385", "InvalidArgument"),
        ("image/resize,w_abc", "InvalidArgument"),
        ("image/resize,w_+5", "InvalidArgument"),
        ("image/resize,w_99999999999999999999", "InvalidArgument"),
        ("image/resize,w_10,w_20", "InvalidArgument"),
        ("image/resize,m_zoom,w_10", "InvalidArgument"),
        ("image/resize,w_10,q_5", "InvalidArgument"),
        ("image/resize,m_pad,w_10,h_10,color_GG0000", "InvalidArgument"),
        ("image/resize,w_10,", "InvalidArgument"),
        ("image/resize,w_10//rotate,90", "InvalidArgument"),
        ("image/rotate", "MissingArgument"),
        ("image/rotate,361", "InvalidArgument"),
        ("image/rotate,-1", "InvalidArgument"),
        ("image/bright,101", "InvalidArgument"),
        ("image/sharpen,49", "InvalidArgument"),
        ("image/blur,r_3", "MissingArgument"),
        ("image/circle,r_4097", "InvalidArgument"),
        ("image/indexcrop,x_10,y_10", "MissingArgument"),
        ("image/format,svg", "InvalidArgument"),
        ("image/format", "MissingArgument"),
        ("image/quality", "MissingArgument"),
        ("image/quality,Q_0", "InvalidArgument"),
        ("image/crop,g_middle", "InvalidArgument"),
        ("image/info,1", "InvalidArgument"),
        ("image/watermark", "MissingArgument"),
        ("image/watermark,text_!!!", "BadRequest"),
        ("image/watermark,text_SGk,t_101", "InvalidArgument"),
        ("image/watermark,text_SGk,image_bG9nby5wbmc", "InvalidArgument"),
        ("image/watermark,image_bG9nby5wbmc_P_0", "BadRequest"),
        ("image/unknown,1", "InvalidArgument"),
        ("image/_1", "InvalidArgument"),
        ("video/snapshot,t_1000", "MissingArgument"),
        ("video/snapshot,f_jpg", "MissingArgument"),
        ("video/snapshot,t_-1,f_jpg", "InvalidArgument"),
        ("video/snapshot,t_86400001,f_jpg", "InvalidArgument"),
        ("video/snapshot,t_1,f_gif", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg,w_4097", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg,m_slow", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg,ar_manual", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg,t_2", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg,x_1", "InvalidArgument"),
        ("video/info,1", "InvalidArgument"),
        ("video/convert,f_mp4,vcodec_h264", "InvalidArgument"),
        ("video/unknown", "InvalidArgument"),
        ("video/info|image/resize,w_10", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg|video/info", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg|image/info", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg|image/resize,w_0", "InvalidArgument"),
        ("video/snapshot,t_1,f_jpg|", "InvalidArgument"),
        ("audio/x", "InvalidArgument"),
        ("", "InvalidArgument"),
    ])
    func refusals(text: String, code: String) {
        #expect(Self.code(text) == code, "\(text)")
    }

    @Test func videoActions() throws {
        let snapshot = try ProcessRequest.parse("video/snapshot,t_1500,f_PNG,w_800,m_fast,ar_auto")
        #expect(snapshot == .video(.snapshot(VideoSnapshot(milliseconds: 1500, format: .png, width: 800, height: 0,
                                                            nearestKeyframe: true, autoRotate: true))))
        guard case .video(let video) = snapshot else { return }
        #expect(video.canonical == "video/snapshot,t_1500,f_png,w_800,h_0,m_fast,ar_auto")
        #expect(try ProcessRequest.parse(video.canonical) == snapshot)
        #expect(!video.answersJSON)
        #expect(try ProcessRequest.parse("video/info") == .video(.info))
        #expect(VideoProcess.info.answersJSON)
    }

    @Test func snapshotPipedIntoImageActions() throws {
        let text = "video/snapshot,t_1000,f_jpg,w_320|image/resize,w_100/rotate,90|image/watermark,text_SGk"
        guard case .video(.snapshot(let snapshot)) = try ProcessRequest.parse(text) else {
            Issue.record("not a snapshot")
            return
        }
        #expect(snapshot.then?.operations.count == 3)
        #expect(snapshot.frame.then == nil)
        #expect(snapshot.frame.canonical == "snapshot,t_1000,f_jpg,w_320,h_0")
        // The canonical form names the frame and the image pipeline, and parses back to the same request.
        let canonical = VideoProcess.snapshot(snapshot).canonical
        #expect(canonical.hasPrefix("video/snapshot,t_1000,f_jpg,w_320,h_0|image/resize,"))
        #expect(try ProcessRequest.parse(canonical) == .video(.snapshot(snapshot)))
        let tooMany = "video/snapshot,t_1,f_jpg|image/" + Array(repeating: "rotate,90", count: 20).joined(separator: "/")
            + "|image/" + Array(repeating: "rotate,90", count: 13).joined(separator: "/")
        #expect(Self.code(tooMany) == "InvalidArgument")
    }

    @Test func limits() {
        #expect(Self.code("image/" + Array(repeating: "rotate,90", count: 33).joined(separator: "/")) == "InvalidArgument")
        #expect((try? Self.pipeline("image/" + Array(repeating: "rotate,90", count: 32).joined(separator: "/"))) != nil)
        #expect(Self.code("image/info" + String(repeating: "/info", count: 2000)) == "InvalidArgument")
        let long = Base64URL.encode(String(repeating: "字", count: 65))
        #expect(Self.code("image/watermark,text_" + long) == "InvalidArgument")
    }

    /// Random strings over the grammar's own alphabet: the parser never traps, every refusal is a 400, and
    /// whatever parses survives its canonical form.
    @Test func fuzz() throws {
        var generator = SplitMix(seed: 0x5EED)
        let words = ["image/", "style/", "resize", "crop", "watermark", "rotate", "format", "quality", "info", "w_", "h_", "m_",
                     "lfit", "pad", "fill", "p_", "P_", "Q_", "q_", "text_", "image_", "color_", "g_", "se", ",", "/", "_", "-",
                     "0", "1", "9", "90", "100", "4096", "16384", "99999", "FFFFFF", "SGk", "=", "?", "é", "\u{0}", " ", "%2F"]
        let seeds = ["image/resize,m_pad,w_100,h_50,color_00FF00/rotate,90/format,png", "image/crop,w_10,h_20,x_1,y_2,g_se",
                     "image/watermark,text_SGk,size_30,t_50,g_nw/quality,Q_80", "image/blur,r_3,s_2/bright,10/contrast,-5",
                     "image/indexcrop,x_10,i_1/circle,r_5/rounded-corners,r_3/sharpen,100/interlace,1", "style/thumb"]
        var parsed = 0
        for round in 0..<30_000 {
            var text: String
            if round % 2 == 0 {
                text = generator.next() % 4 == 0 ? "" : "image/"
                for _ in 0..<(generator.next() % 12) { text += words[Int(generator.next() % UInt64(words.count))] }
            } else {
                // A valid string with a few bytes replaced, dropped or inserted: the near misses.
                var characters = Array(seeds[Int(generator.next() % UInt64(seeds.count))])
                for _ in 0..<(generator.next() % 3) where !characters.isEmpty {
                    let index = Int(generator.next() % UInt64(characters.count))
                    let word = Array(words[Int(generator.next() % UInt64(words.count))])
                    switch generator.next() % 3 {
                    case 0: characters.remove(at: index)
                    case 1: characters.insert(contentsOf: word, at: index)
                    default: characters.replaceSubrange(index...index, with: word)
                    }
                }
                text = String(characters)
            }
            let request: ProcessRequest
            do {
                request = try ProcessRequest.parse(text)
            } catch {
                #expect(error.status == 400, "\(text)")
                #expect(["InvalidArgument", "MissingArgument", "BadRequest", "NotImplemented"].contains(error.code), "\(text)")
                continue
            }
            parsed += 1
            if case .image(let pipeline) = request {
                #expect(try Self.pipeline(pipeline.canonical) == pipeline, "\(text)")
            }
        }
        #expect(parsed > 1_000, "the fuzz should reach valid pipelines too")
    }
}

/// A small deterministic generator, so a fuzz failure reproduces.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
