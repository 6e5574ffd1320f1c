import Testing

@testable import SiloCore

/// The typed builder renders the strings of spec §14, with the spec's base64url vectors.
@Suite struct ImageProcessTests {
    @Test func thumbnailPipeline() {
        let process = ImageProcess().autoOrient().resize(.fill, width: 200, height: 200).format(.webp).quality(absolute: 80)
        #expect(process.string == "image/auto-orient,1/resize,m_fill,w_200,h_200/format,webp/quality,Q_80")
    }

    @Test func resizeVariants() {
        #expect(ImageProcess().resize(width: 100).string == "image/resize,w_100")
        #expect(ImageProcess().resize(.pad, width: 100, height: 50, color: "FF0000").string
                == "image/resize,m_pad,w_100,h_50,color_FF0000")
        #expect(ImageProcess().resize(longSide: 300, enlarge: true).string == "image/resize,l_300,limit_0")
        #expect(ImageProcess().resize(percent: 50).string == "image/resize,p_50")
    }

    @Test func geometryAndEffects() {
        let process = ImageProcess().crop(width: 100, height: 100, x: 10, y: 20, gravity: .se).indexCrop(sliceWidth: 50, index: 1)
            .circle(radius: 40).roundedCorners(radius: 8).rotate(90).blur(radius: 3, sigma: 2).bright(-20).contrast(30)
            .sharpen(100).interlace().quality(relative: 90).info().averageHue()
        #expect(process.string == "image/crop,w_100,h_100,x_10,y_20,g_se/indexcrop,x_50,i_1/circle,r_40/rounded-corners,r_8/rotate,90/blur,r_3,s_2/bright,-20/contrast,30/sharpen,100/interlace,1/quality,q_90/info/average-hue")
    }

    @Test func textWatermarkUsesTheSpecEncoding() {
        let process = ImageProcess().watermark(text: "Hello 图片服务!", font: "wqy-zenhei", color: "FFFFFF", size: 30,
                                               placement: .init(gravity: .se, x: 10, y: 10, opacity: 90))
        #expect(process.string == "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ,type_d3F5LXplbmhlaQ,color_FFFFFF,size_30,t_90,g_se,x_10,y_10")
    }

    @Test func imageWatermarkEncodesItsOwnProcess() {
        let process = ImageProcess().watermark(imageKey: "panda.png", process: ImageProcess().resize(percent: 30))
        #expect(process.string.hasPrefix("image/watermark,image_"))
        // resize takes its percent as `p_`; the spec vector below was written with `P_30`.
        #expect(Base64URL.decode(String(process.string.dropFirst("image/watermark,image_".count)))
                == "panda.png?x-oss-process=image/resize,p_30")
        #expect(Base64URL.encode("panda.png?x-oss-process=image/resize,P_30")
                == "cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA")
        #expect(Base64URL.encode("Hello World") == "SGVsbG8gV29ybGQ")
    }

    @Test func styles() {
        #expect(ImageProcess.style("thumb") == "style/thumb")
    }
}
