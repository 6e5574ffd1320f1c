import Foundation
import Hummingbird
import SiloCore
import SiloStorage

/// Put/Get/List/DeleteStyle (spec §14.3): named image processes per bucket, used as `style/<name>`.
extension OSSService {
    static let maxStylesPerBucket = 50
    static let maxStyleBodyBytes = 8 * 1024

    func putBucketStyle(_ request: OSSRequest, body: RequestBody, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .putBucketStyle, bucket: bucket)
        let name = try styleName(request)
        let bytes = try await collect(body, limit: Self.maxStyleBodyBytes)
        try verifyContentMD5(request, bytes)
        let document = try XMLBody.decode(PutStyleRequest.self, from: bytes, root: "Style")
        guard let content = document.content?.trimmingCharacters(in: .whitespacesAndNewlines), !content.isEmpty,
            content.utf8.count <= ProcessRequest.maxLength
        else {
            throw OSSError.invalidArgument("Style content is invalid.", name: "Content")
        }
        let now = settings.clock()
        // A replacement keeps its creation time: the store's upsert leaves created_at alone.
        let style = ImageStyleRecord(bucket: bucket.name, name: name, content: content, createdAt: now, modifiedAt: now)
        switch try await metadata.putStyle(style, maxPerBucket: Self.maxStylesPerBucket) {
        case .saved: return Responses.empty()
        case .noSuchBucket: throw OSSError.noSuchBucket(bucket.name)
        case .tooMany:
            throw OSSError(status: 400, code: "TooManyStyles", message: "A bucket has at most \(Self.maxStylesPerBucket) styles.")
        }
    }

    func getBucketStyle(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .getBucketStyle, bucket: bucket)
        let name = try styleName(request)
        guard let style = try await metadata.style(bucket: bucket.name, name: name) else { throw Self.noSuchStyle(name) }
        return Responses.xml(StyleResult(style: Self.info(style)))
    }

    func listBucketStyles(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .listBucketStyles, bucket: bucket)
        return Responses.xml(StyleListResult(styles: try await metadata.styles(bucket: bucket.name).map(Self.info)))
    }

    func deleteBucketStyle(_ request: OSSRequest, caller: Caller) async throws -> Response {
        let bucket = try await requireBucket(request)
        try await authorize(caller, .deleteBucketStyle, bucket: bucket)
        let name = try styleName(request)
        guard try await metadata.deleteStyle(bucket: bucket.name, name: name) else { throw Self.noSuchStyle(name) }
        return Responses.empty(.noContent)
    }

    private func styleName(_ request: OSSRequest) throws -> String {
        guard let name = request.query["styleName"], !name.isEmpty else {
            throw OSSError(status: 400, code: "MissingArgument", message: "styleName is required.")
        }
        guard ProcessRequest.isStyleName(name) else {
            throw OSSError.invalidArgument("The style name is invalid: 1 to 63 of A-Z, a-z, 0-9, '_', '.' and '-'.", name: "styleName")
        }
        return name
    }

    static func noSuchStyle(_ name: String) -> OSSError {
        OSSError(status: 404, code: "NoSuchStyle", message: "The specified style does not exist.").with("StyleName", name)
    }

    private static func info(_ style: ImageStyleRecord) -> StyleInfo {
        StyleInfo(name: style.name, content: style.content, createdAt: style.createdAt, modifiedAt: style.modifiedAt)
    }
}
