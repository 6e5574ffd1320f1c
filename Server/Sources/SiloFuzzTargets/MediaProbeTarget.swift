import Foundation
import SiloMedia

enum MediaProbeTarget {
    /// Decode; a description that decodes encodes again, and its shown size never exceeds a stream's.
    static func run(_ bytes: [UInt8]) {
        guard let info = try? MediaInfo(ffprobeJSON: bytes, size: Int64(bytes.count)) else { return }
        precondition((try? JSONEncoder().encode(info)) != nil, "a decoded description does not encode")
        if let width = info.videoWidth, let height = info.videoHeight, let first = info.videoStreams.first {
            precondition(Set([width, height]) == Set([first.width, first.height].compactMap { $0 }),
                         "the shown size is not the stream's, turned or not")
        }
    }
}
