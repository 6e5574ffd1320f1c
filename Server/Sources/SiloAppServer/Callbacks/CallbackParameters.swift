import Foundation
import SiloCore

/// The callback the app server hands to uploaders: the storage service POSTs the stored object's facts to
/// this server's receiver, which records them in the catalog.
public struct CallbackParameters: Sendable {
    /// JSON, so sizes and image dimensions arrive typed.
    public static let bodyTemplate = #"{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},"# +
        #""width":${imageInfo.width},"height":${imageInfo.height},"format":${imageInfo.format}}"#

    public let configuration: CallbackConfiguration

    public init(url: URL) {
        configuration = CallbackConfiguration(urls: [url], bodyTemplate: Self.bodyTemplate, bodyType: .json)
    }

    /// The `x-oss-callback` header value (or `callback` form field).
    public var base64: String { configuration.base64 }
}
