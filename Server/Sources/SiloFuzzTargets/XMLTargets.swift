import Foundation
import SiloCore

enum XMLTargets {
    static let requestLimits = XMLLimits.request(maxBytes: 1 << 20, maxElements: 4096)

    /// The first byte picks the document; the bound check must hold before any parse, and whatever passes it
    /// must parse or fail with MalformedXML, never crash.
    static func request(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let which = input.byte() % 7
        let document = input.rest()
        if let tree = try? XMLTree.parse(document, limits: requestLimits) {
            // Whatever parses is within the bounds.
            var depth = 0
            var count = 0
            func walk(_ element: XMLElement, _ level: Int) {
                count += 1
                depth = max(depth, level)
                for child in element.children { walk(child, level + 1) }
            }
            walk(tree, 1)
            precondition(depth <= requestLimits.maxDepth + 1 && count <= requestLimits.maxElements,
                         "a parsed tree of depth \(depth) with \(count) elements")
        }
        switch which {
        case 0: _ = try? XMLBody.decode(DeleteRequest.self, from: document, root: "Delete", maxElements: 3016)
        case 1:
            _ = try? XMLBody.decode(CompleteMultipartUploadRequest.self, from: document, root: "CompleteMultipartUpload",
                                    maxElements: 40_016)
        case 2: if let cors = try? XMLBody.decode(CORSConfiguration.self, from: document, root: "CORSConfiguration") {
                _ = try? cors.validate()
            }
        case 3: _ = try? XMLBody.decode(CreateBucketConfiguration.self, from: document, root: "CreateBucketConfiguration")
        case 4: _ = try? XMLBody.decode(PutStyleRequest.self, from: document, root: "Style")
        case 5:
            _ = try? XMLBody.decode(VersioningConfiguration.self, from: document, root: "VersioningConfiguration",
                                    maxElements: 8)
        default:
            if let rule = try? XMLBody.decode(ServerSideEncryptionRule.self, from: document, root: "ServerSideEncryptionRule",
                                              maxElements: 16) {
                _ = try? rule.algorithm()
            }
        }
    }

    static func response(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let which = input.byte() % 9
        let data = Data(input.rest())
        switch which {
        case 0: _ = try? XMLResponse.decode(ListBucketV2Result.self, from: data)
        case 1: _ = try? XMLResponse.decode(ListAllMyBucketsResult.self, from: data)
        case 2: _ = try? XMLResponse.decode(ListPartsResult.self, from: data)
        case 3: _ = try? XMLResponse.decode(ListMultipartUploadsResult.self, from: data)
        case 4: _ = try? XMLResponse.decode(DeleteResult.self, from: data)
        case 5: _ = try? XMLResponse.decode(CopyObjectResult.self, from: data)
        case 6: _ = try? XMLResponse.decode(InitiateMultipartUploadResult.self, from: data)
        case 7: _ = try? XMLResponse.decode(StyleListResult.self, from: data)
        default: _ = try? XMLResponse.decode(ErrorResponse.self, from: data)
        }
    }
}
