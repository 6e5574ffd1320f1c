import Foundation
import HTTPTypes
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// Upload callbacks as the OSS protocol carries them: parsed from headers or a presigned URL's query before
/// the body is read, and the receiver's answer (or 203 CallbackFailed) as the upload's response.
enum CallbackResponses {
    /// From `x-oss-callback`/`x-oss-callback-var` or, in presigned URLs, `callback`/`callback-var`; nil when
    /// absent. Refuses both forms at once.
    static func parse(_ request: OSSRequest, oss: OSSFrontEnd) async throws -> UploadCallback? {
        let header = request.header("x-oss-callback")
        let query = request.query["callback"]
        if header != nil && query != nil {
            throw OSSError.invalidArgument(
                "Either the callback query string parameter or the x-oss-callback header should be specified, not both.",
                name: "callback")
        }
        let headerVariables = request.header("x-oss-callback-var")
        let queryVariables = request.query["callback-var"]
        if headerVariables != nil && queryVariables != nil {
            throw OSSError.invalidArgument(
                "Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both.",
                name: "callback-var")
        }
        guard let encoded = header ?? query, !encoded.isEmpty else { return nil }
        return try await UploadCallback.parse(configuration: encoded, variables: headerVariables ?? queryVariables,
                                              settings: oss.domain.callbacks.settings)
    }

    /// The answer to an upload that carried a callback: the app server's JSON (200), or 203 CallbackFailed.
    /// The object is stored either way.
    static func respond(_ oss: OSSFrontEnd, _ callback: UploadCallback, record: ObjectRecord, operation: String,
                        request: OSSRequest, caller: Caller, headers: HTTPFields) async -> Response {
        switch await oss.domain.callbacks.deliver(callback, record: record, operation: operation,
                                                  requestId: request.requestId, caller: caller) {
        case .answered(let answer):
            var fields = headers
            fields[.contentType] = "application/json"
            fields[.contentLength] = String(answer.readableBytes)
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: answer))
        case .failed(let message):
            var response = Responses.error(OSSError(status: 203, code: "CallbackFailed", message: message),
                                           request: request, requestId: request.requestId, isHead: false)
            for field in headers where response.headers[field.name] == nil { response.headers.append(field) }
            return response
        }
    }
}
