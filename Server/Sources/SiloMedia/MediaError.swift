/// What media processing refuses, in its own terms; the OSS front end maps each case once to OSS's codes.
public enum MediaError: Error, Sendable, Hashable {
    /// This server has no ffmpeg, or media processing is off.
    case unsupported(String)
    /// The object cannot be read as media, or holds no video stream to take a frame from.
    case badMedia(String)
    /// Past a size, time or memory bound: the source, the work or the output.
    case tooLarge(String)
    /// The media queue is full.
    case busy
    case internalFailure(String)
}
