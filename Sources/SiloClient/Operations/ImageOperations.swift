import Foundation
import HTTPTypes
import SiloCore

extension Bucket {
    /// The processed image (thumbnail, watermark, format change…) as bytes.
    public func get(_ key: String, process: ImageProcess) async throws -> Data {
        try await get(key, process: process.string)
    }

    /// A presigned URL of the processed image, for an image view or a browser; the process is signed into it.
    public func imageURL(_ key: String, process: ImageProcess, expiresIn: Duration = .seconds(3600)) async throws -> URL {
        try await presignedURL(key, expiresIn: expiresIn, query: ["x-oss-process": process.string])
    }

    /// A processed image through a named style of this bucket (`style/<name>`).
    public func get(_ key: String, style: String) async throws -> Data {
        try await get(key, process: "style/" + style)
    }

    /// Stores the processed image as `targetKey` (in `targetBucket`, default this one) without downloading it:
    /// ProcessObject with `sys/saveas`. Needs read on `key` and write on the target.
    @discardableResult
    public func saveProcessed(_ key: String, process: ImageProcess, as targetKey: String, in targetBucket: String? = nil)
        async throws -> SavedImage
    {
        try await saveProcessed(key, process: process.string, as: targetKey, in: targetBucket)
    }

    /// As above with a raw process string, e.g. `style/thumb`.
    @discardableResult
    public func saveProcessed(_ key: String, process: String, as targetKey: String, in targetBucket: String? = nil)
        async throws -> SavedImage
    {
        try Self.validate(key: key)
        try Self.validate(key: targetKey)
        var saveAs = "sys/saveas,o_" + Base64URL.encode(targetKey)
        if let targetBucket { saveAs += ",b_" + Base64URL.encode(targetBucket) }
        var query = QueryParameters()
        query.append("x-oss-process")
        let body = Data("x-oss-process=\(process)|\(saveAs)".utf8)
        var request = ClientRequest(method: .post, bucket: name, key: key, query: query, body: .data(body), idempotent: false)
        request.setHeader("Content-Type", "application/x-www-form-urlencoded")
        let (_, data) = try await client.sendForData(request)
        guard let answer = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OSSClientError.invalidResponse("ProcessObject answered no JSON")
        }
        let size = (answer["fileSize"] as? NSNumber)?.int64Value ?? Int64(answer["fileSize"] as? String ?? "") ?? 0
        return SavedImage(bucket: targetBucket ?? name, key: answer["object"] as? String ?? targetKey, size: size)
    }

    // MARK: styles

    /// Creates or replaces a named style: `style/<name>` then means `process`.
    public func putStyle(_ name: String, process: ImageProcess) async throws {
        try await putStyle(name, content: process.string)
    }

    public func putStyle(_ name: String, content: String) async throws {
        let writer = XMLWriter()
        writer.element("Style") { writer.element("Content", content) }
        var request = ClientRequest(method: .put, bucket: self.name, query: Self.styleQuery(name), body: .data(Data(writer.bytes)))
        request.setHeader("Content-Type", "application/xml")
        _ = try await client.sendForData(request)
    }

    public func style(_ name: String) async throws -> StyleInfo {
        try await client.sendForXML(ClientRequest(method: .get, bucket: self.name, query: Self.styleQuery(name)), as: StyleResult.self).1.style
    }

    /// Every style of the bucket, by name.
    public func styles() async throws -> [StyleInfo] {
        var query = QueryParameters()
        query.append("style")
        return try await client.sendForXML(ClientRequest(method: .get, bucket: name, query: query), as: StyleListResult.self).1.styles
    }

    public func deleteStyle(_ name: String) async throws {
        _ = try await client.sendForData(ClientRequest(method: .delete, bucket: self.name, query: Self.styleQuery(name)))
    }

    private static func styleQuery(_ name: String) -> QueryParameters {
        var query = QueryParameters()
        query.append("style")
        query.append("styleName", name)
        return query
    }
}

/// Where ProcessObject stored the processed image.
public struct SavedImage: Sendable, Hashable {
    public var bucket: String
    public var key: String
    public var size: Int64

    public init(bucket: String, key: String, size: Int64) {
        self.bucket = bucket
        self.key = key
        self.size = size
    }
}
