import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SiloCore
import SiloDomain
import SiloStorage

/// AsyncProcessObject (`POST /<key>?x-oss-async-process`): the source read is authorized by the route, every target
/// write by the media job service once the body names them; the answer is OSS's `{"EventId","RequestId","TaskId"}`.
enum MediaJobHandlers {
    static let maxBodyBytes = AsyncProcessRequest.maxLength + 64

    static func submit(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let source = try await oss.domain.workflows.resolveSymlink(try call.requireObject(), bucket: call.bucket,
                                                                   caller: call.caller)
        let bytes = try await Bodies.collect(call.body, limit: maxBodyBytes,
                                             tooLarge: .invalidArgument("The process body is larger than 4 KB.",
                                                                        name: "x-oss-async-process"))
        let request = try AsyncProcessRequest.parse(form: String(decoding: bytes, as: UTF8.self))
        let job = try await oss.domain.mediaJobs.submit(request, source: source, bucket: call.bucket, caller: call.caller)
        let answer = ["EventId": job.id, "RequestId": call.request.requestId, "TaskId": job.id]
        let json = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: json)))
    }
}
