import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloImaging
import SiloStorage

extension OSSService {
    /// `GET /<key>?x-oss-process=image/...`: the caller already holds GetObject on the source.
    func processedImage(_ object: ObjectRecord, process: String, fields: HTTPFields) async throws -> Response {
        let pipeline: ImagePipeline
        switch try ProcessRequest.parse(process) {
        case .image(let parsed): pipeline = parsed
        case .style(let name): throw OSSError(status: 404, code: "NoSuchStyle", message: "The style \(name) does not exist.")
        }
        guard let imaging = settings.imaging else { throw OSSError.notImplemented("Image processing is not enabled.") }
        guard object.size <= Int64(imaging.processor.limits.maxSourceBytes) else {
            throw OSSError(status: 400, code: "ImageTooLarge", message: "The source image is larger than 20 MB.")
        }
        let source = object.size == 0
            ? ByteBuffer() : try await objects.blobs.readWhole(object.extents, range: 0..<object.size)
        let output = try await imaging.process(Data(buffer: source), pipeline: pipeline)
        var headers = HTTPFields()
        headers[.contentType] = output.contentType
        headers[.contentLength] = String(output.data.count)
        headers[.lastModified] = fields[.lastModified]
        if let disposition = fields[.contentDisposition] { headers[.contentDisposition] = disposition }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: output.data)))
    }
}
