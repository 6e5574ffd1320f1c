#if canImport(Observation)
import Foundation
import Observation
import SiloClient

/// The upload screen: the picked photo, the name the user gives it, simple or resumable, and the transfers.
@available(macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1, *)
@MainActor @Observable
public final class UploadModel {
    public enum Mode: String, CaseIterable, Sendable {
        /// One request: fine for a photo, lost if the app is suspended mid-way.
        case simple
        /// In parts through the transfer manager: goes on in the background, resumes after a relaunch.
        case resumable
    }

    public var picked: URL?
    public var name = ""
    public var mode = Mode.resumable
    public private(set) var message: String?
    public let transfers: ObservableTransfers
    private let library: PhotoLibrary

    public init(library: PhotoLibrary) {
        self.library = library
        transfers = ObservableTransfers(library.transfers)
    }

    /// The picker hands over a file in the app's container (PhotosPicker's transferable copies it there).
    public func pick(_ file: URL) {
        picked = file
        if name.isEmpty { name = file.deletingPathExtension().lastPathComponent }
    }

    public var canUpload: Bool { picked != nil && !name.trimmingCharacters(in: .whitespaces).isEmpty }

    /// Starts the upload and returns the key it goes to; a resumable one continues on its own from here.
    @discardableResult
    public func upload() async -> String? {
        guard let file = picked, canUpload else { return nil }
        let key = library.key(forName: name, file: file)
        do {
            let options = try library.objectOptions(key: key)
            switch mode {
            case .simple:
                _ = try await library.bucket.put(key, file: file, options: options)
                message = "Uploaded \(key)"
            case .resumable:
                // The id is the key: picking the same name again is the same transfer, not a second copy.
                try await library.transfers.upload(file, bucket: library.config.bucket, key: key, id: key, options: options)
                message = "Uploading \(key)"
            }
            picked = nil
            name = ""
            return key
        } catch {
            message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
            return nil
        }
    }

    public func pause(_ id: String) async { try? await library.transfers.pause(id) }
    public func resume(_ id: String) async { try? await library.transfers.resume(id) }
    public func cancel(_ id: String) async { try? await library.transfers.cancel(id) }
}
#endif
