import Foundation
import Hummingbird
import SiloCore
import SiloDomain

/// Put/Get/List/DeleteStyle (spec §14.3): named image processes per bucket, used as `style/<name>`.
enum StyleHandlers {
    static let maxBodyBytes = 8 * 1024

    static func put(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let name = try styleName(call.request)
        let bytes = try await Bodies.collect(call.body, limit: maxBodyBytes)
        try Bodies.verifyContentMD5(call.request, bytes)
        let document = try XMLBody.decode(PutStyleRequest.self, from: bytes, root: "Style")
        guard let content = document.content?.trimmingCharacters(in: .whitespacesAndNewlines), !content.isEmpty,
            content.utf8.count <= ProcessRequest.maxLength
        else {
            throw OSSError.invalidArgument("Style content is invalid.", name: "Content")
        }
        try await oss.domain.images.putStyle(bucket: call.bucket.name, name: name, content: content)
        return Responses.empty()
    }

    static func get(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        let style = try await oss.domain.images.style(bucket: call.bucket.name, name: try styleName(call.request))
        return Responses.xml(StyleResult(style: info(style)))
    }

    static func list(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        Responses.xml(StyleListResult(styles: try await oss.domain.images.styles(bucket: call.bucket.name).map(info)))
    }

    static func delete(_ oss: OSSFrontEnd, _ call: OSSCall) async throws -> Response {
        try await oss.domain.images.deleteStyle(bucket: call.bucket.name, name: try styleName(call.request))
        return Responses.empty(.noContent)
    }

    static func styleName(_ request: OSSRequest) throws -> String {
        guard let name = request.query["styleName"], !name.isEmpty else {
            throw OSSError(status: 400, code: "MissingArgument", message: "styleName is required.")
        }
        guard ProcessRequest.isStyleName(name) else {
            throw OSSError.invalidArgument("The style name is invalid: 1 to 63 of A-Z, a-z, 0-9, '_', '.' and '-'.", name: "styleName")
        }
        return name
    }

    static func info(_ style: ImageStyleRecord) -> StyleInfo {
        StyleInfo(name: style.name, content: style.content, createdAt: style.createdAt, modifiedAt: style.modifiedAt)
    }
}
