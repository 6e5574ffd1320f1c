import Testing

@testable import SiloCore

/// ProcessObject's form body (spec §7.12), as oss2's `process_object` sends it.
@Suite struct SaveAsRequestTests {
    @Test func oss2sBodyWithAndWithoutABucket() throws {
        // oss2 pads its base64 with '='; the service's own examples do not.
        let padded = try SaveAsRequest.parse(form: "x-oss-process=image/resize,w_100|sys/saveas,o_dGVzdC5qcGc=,b_dGVzdA==")
        #expect(padded.targetKey == "test.jpg" && padded.targetBucket == "test")
        guard case .image(let pipeline) = padded.process else { Issue.record("not an image process"); return }
        #expect(pipeline.canonical == "image/resize,m_lfit,w_100,limit_1")
        let sameBucket = try SaveAsRequest.parse(form: "x-oss-process=style/thumb|sys/saveas,o_\(Base64URL.encode("out/图.png"))")
        #expect(sameBucket.targetKey == "out/图.png" && sameBucket.targetBucket == nil && sameBucket.process == .style("thumb"))
        // Form-encoded by some SDKs.
        let encoded = try SaveAsRequest.parse(form: "x-oss-process=image%2Fresize%2Cw_10%7Csys%2Fsaveas%2Co_dGVzdC5qcGc")
        #expect(encoded.targetKey == "test.jpg")
    }

    @Test(arguments: [
        ("image/resize,w_100|sys/saveas,o_dGVzdC5qcGc", "InvalidArgument"),  // no x-oss-process=
        ("x-oss-process=image/resize,w_100", "InvalidArgument"),  // no saveas
        ("x-oss-process=image/resize,w_100|sys/saveas,b_dGVzdA", "MissingArgument"),
        ("x-oss-process=image/resize,w_100|sys/saveas,o_!!!", "BadRequest"),
        ("x-oss-process=image/resize,w_100|sys/saveas,o_dGVzdC5qcGc,z_1", "InvalidArgument"),
        ("x-oss-process=image/resize,w_0|sys/saveas,o_dGVzdC5qcGc", "InvalidArgument"),
        ("x-oss-process=image/resize,w_1|sys/saveas,o_dGVzdC5qcGc|sys/saveas,o_dGVzdC5qcGc", "InvalidArgument"),
    ])
    func refusals(body: String, code: String) {
        #expect { _ = try SaveAsRequest.parse(form: body) } throws: { error in
            (error as? OSSError)?.code == code && (error as? OSSError)?.status == 400
        }
    }

    @Test func aSnapshotPipedIntoImageActionsIsStored() throws {
        let request = try SaveAsRequest.parse(form: "x-oss-process=video/snapshot,t_0,f_png|image/resize,w_64|sys/saveas,o_dGVzdC5wbmc")
        #expect(request.targetKey == "test.png")
        guard case .video(.snapshot(let snapshot)) = request.process else {
            Issue.record("not a snapshot")
            return
        }
        #expect(snapshot.then?.operations.count == 1)
        #expect(throws: OSSError.self) {
            _ = try SaveAsRequest.parse(form: "x-oss-process=video/snapshot,t_0,f_png|sys/saveas,o_dGVzdC5wbmc|image/resize,w_64")
        }
    }

    @Test func atMostThreeImageWatermarks() throws {
        let mark = "watermark,image_" + Base64URL.encode("logo.png")
        let three = try ProcessRequest.parse("image/" + Array(repeating: mark, count: 3).joined(separator: "/"))
        guard case .image(let pipeline) = three else { Issue.record("not an image process"); return }
        #expect(pipeline.watermarkImageKeys == ["logo.png", "logo.png", "logo.png"])
        #expect(throws: OSSError.self) { _ = try ProcessRequest.parse("image/" + Array(repeating: mark, count: 4).joined(separator: "/")) }
        // Text watermarks do not count.
        let text = "watermark,text_" + Base64URL.encode("hi")
        #expect(throws: Never.self) { _ = try ProcessRequest.parse("image/" + Array(repeating: text, count: 5).joined(separator: "/")) }
    }

    @Test func percentOfBaseIsItsOwnParameter() throws {
        guard case .image(let pipeline) = try ProcessRequest.parse("image/resize,P_30"),
            case .resize(let resize) = pipeline.operations[0]
        else { Issue.record("did not parse"); return }
        #expect(resize.percentOfBase == 30 && resize.percent == nil)
        #expect(pipeline.canonical == "image/resize,m_lfit,P_30,limit_1")
        #expect(throws: OSSError.self) { _ = try ProcessRequest.parse("image/resize,P_101") }
    }
}
