/// What image processing refuses, in its own terms; the OSS front end maps each case once to OSS's codes
/// (`ImageTooLarge`, `WatermarkError`, `NotImplemented`, `ServiceUnavailable`…).
public enum ImagingError: Error, Sendable, Hashable {
    /// This libvips cannot write the format, or image processing is off on this server.
    case unsupported(String)
    /// Past the pixel, byte or frame limits, checked before decoding.
    case tooLarge(String)
    /// The image cannot be read or the operation cannot apply to it.
    case badImage(String)
    case watermark(String)
    /// A process string that parses but cannot run (a font this server lacks, P_ outside a watermark).
    case invalidProcess(String)
    case noSuchStyle(String)
    /// A bucket has this many styles already.
    case tooManyStyles(Int)
    /// The server allows only the buckets' named styles.
    case stylesOnly
    /// The worker queue is full.
    case busy
    case internalFailure(String)
}
