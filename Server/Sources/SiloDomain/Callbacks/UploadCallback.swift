import Foundation
import NIOCore
import SiloCore
import SiloStorage

/// An upload's callback (spec §13): parsed and checked before anything is stored, delivered after the commit.
/// Every way a callback arrives (headers, a presigned URL's query, a PostObject form) comes through `parse`.
public struct UploadCallback: Sendable {
    public let configuration: CallbackConfiguration
    public let variables: [String: String]

    /// `configuration` is the base64 JSON (`x-oss-callback`, `callback`); `variables` the base64 JSON of
    /// `x-oss-callback-var`/`callback-var`, or `formVariables` a form's `x:` fields. Grammar errors are the
    /// protocol's own (`OSSError`, from SiloCore); a forbidden target is a `CallbackError`.
    public static func parse(configuration encoded: String, variables: String? = nil, formVariables: [String: String] = [:],
                             settings: CallbackSettings) async throws -> UploadCallback {
        guard settings.signer != nil else { throw CallbackError.notConfigured }
        let configuration = try CallbackConfiguration(base64: encoded)
        var values = try variables.map { try CallbackConfiguration.variables(base64: $0) } ?? [:]
        for (name, value) in formVariables where name.hasPrefix("x:") { values[name] = value }
        for url in configuration.urls { try await settings.check(url) }
        return UploadCallback(configuration: configuration, variables: values)
    }

    /// The system variables of spec §13.3 plus the custom ones.
    func values(record: ObjectRecord, operation: String, requestId: String, clientIP: String?, image: ImageHeader?)
        -> [String: CallbackValue]
    {
        var values: [String: CallbackValue] = [
            "bucket": .text(record.bucket), "object": .text(record.key), "etag": .text(record.etag),
            "size": .number(record.size), "mimeType": .text(record.contentType), "crc64": .text(String(record.crc64)),
            "contentMd5": .text(operation == "CompleteMultipartUpload" ? "" : (record.contentMD5 ?? "")),
            "vpcId": .text(""), "clientIp": .text(clientIP ?? ""), "reqId": .text(requestId),
            "operation": .text(operation),
            // Empty for objects that are not images, as OSS sends them.
            "imageInfo.height": image.map { .number(Int64($0.height)) } ?? .text(""),
            "imageInfo.width": image.map { .number(Int64($0.width)) } ?? .text(""),
            "imageInfo.format": .text(image?.format ?? ""),
        ]
        for (name, value) in variables { values[name] = .text(value) }
        return values
    }
}
