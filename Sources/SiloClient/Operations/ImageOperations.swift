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
}
