import Foundation
import SiloClient
import SiloCore
import Testing

/// The SDK's image calls against a real `silo server`: styles, a styled GET and saveas.
@Suite(.serialized) struct ImageOperationTests {
    /// A 64×48 binary PPM, which libvips reads natively; outputs default to JPEG.
    static func picture() -> Data {
        var bytes = Data("P6\n64 48\n255\n".utf8)
        for y in 0..<48 {
            for x in 0..<64 { bytes += [UInt8(x * 4), UInt8(y * 5), 128] }
        }
        return bytes
    }

    @Test(arguments: SignatureVersion.allCases)
    func stylesAndSaveAs(version: SignatureVersion) async throws {
        try await SiloServerProcess.with { server in
            let bucket = server.client(version).bucket("images-\(version.rawValue)")
            try await bucket.create()
            _ = try await bucket.put("p.ppm", data: Self.picture())

            let thumb = ImageProcess().resize(.lfit, width: 32)
            try await bucket.putStyle("thumb", process: thumb)
            try await bucket.putStyle("tiny", content: "image/resize,w_8")
            #expect(try await bucket.styles().map(\.name) == ["thumb", "tiny"])
            let stored = try await bucket.style("thumb")
            #expect(stored.content == thumb.string && stored.createdAt > 0)
            let styled = try await bucket.get("p.ppm", style: "thumb")
            #expect(ImageHeader.sniff(styled) == ImageHeader(format: "jpg", width: 32, height: 24))

            let saved = try await bucket.saveProcessed("p.ppm", process: ImageProcess().resize(.lfit, width: 16).format(.png),
                                                       as: "out/p.png")
            let output = try await bucket.get("out/p.png")
            #expect(saved == SavedImage(bucket: bucket.name, key: "out/p.png", size: Int64(output.count)))
            #expect(ImageHeader.sniff(output) == ImageHeader(format: "png", width: 16, height: 12))
            try await bucket.saveProcessed("p.ppm", process: "style/tiny", as: "out/tiny.jpg")
            #expect(ImageHeader.sniff(try await bucket.get("out/tiny.jpg"))?.width == 8)

            try await bucket.deleteStyle("thumb")
            await #expect { _ = try await bucket.style("thumb") } throws: { ($0 as? OSSClientError)?.code == "NoSuchStyle" }
            await #expect { _ = try await bucket.get("p.ppm", style: "thumb") } throws: {
                ($0 as? OSSClientError)?.code == "NoSuchStyle"
            }
        }
    }
}
