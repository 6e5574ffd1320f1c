import SystemPackage

/// The bytes a child process reads: an open, read-only descriptor handed over as its standard input, and the span of
/// it that is the object. The child never learns a path of Silo's, cannot reach the rest of the blob, and reopens
/// `/dev/stdin` itself, so formats that seek (MP4 with its index at the end) work.
public struct MediaInput: Sendable {
    public let descriptor: FileDescriptor
    public let offset: Int64
    public let length: Int64

    public init(descriptor: FileDescriptor, offset: Int64, length: Int64) {
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }

    /// ffmpeg's `subfile` protocol over the reopened standard input: bytes `offset ..< offset + length` only.
    var url: String { "subfile,,start,\(offset),end,\(offset + length),,:/dev/stdin" }

    /// The only protocols a child may open: the input above and, for ffmpeg, its output file.
    static let protocolWhitelist = "file,subfile"
}
