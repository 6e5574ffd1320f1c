#if canImport(Observation)
import Foundation
import Observation
import SiloClient
import SiloCore

/// The list of the user's uploads, newest first, each with a thumbnail URL made by the storage service
/// (`x-oss-process=image/resize`), signed for an hour.
@available(macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1, *)
@MainActor @Observable
public final class GalleryModel {
    public struct Item: Identifiable, Hashable, Sendable {
        public var id: String { key }
        public let key: String
        public let title: String
        public let size: Int64
        public let dimensions: String?
        public let thumbnail: URL?
    }

    public private(set) var items: [Item] = []
    public private(set) var failure: String?
    private let library: PhotoLibrary
    public static let thumbnail = ImageProcess().resize(.lfit, width: 240, height: 240)

    public init(library: PhotoLibrary) { self.library = library }

    public func refresh() async {
        do {
            let uploads = try await library.api.uploads(session: library.session)
            var refreshed: [Item] = []
            for upload in uploads.sorted(by: { ($0.uploadedAt, $0.key) > ($1.uploadedAt, $1.key) }) {
                let isImage = upload.mimeType.hasPrefix("image/")
                let thumbnail = isImage ? try await library.bucket.imageURL(upload.key, process: Self.thumbnail) : nil
                let dimensions = upload.width.flatMap { width in upload.height.map { "\(width)×\($0)" } }
                refreshed.append(Item(key: upload.key, title: String(upload.key.split(separator: "/").last ?? ""),
                                      size: upload.size, dimensions: dimensions, thumbnail: thumbnail))
            }
            items = refreshed
            failure = nil
        } catch {
            failure = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        }
    }
}
#endif
