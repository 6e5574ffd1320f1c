/// The bounds every media child process runs under. A hostile file meets one of them, never the server's memory
/// or time: the kernel enforces memory, CPU time and file size (`prlimit`), Silo the wall time and output bytes.
public struct MediaLimits: Sendable, Hashable {
    /// Wall time before the child is killed.
    public var wallSeconds: Int
    /// CPU seconds (RLIMIT_CPU): a decoder spinning on a crafted stream is stopped by the kernel.
    public var cpuSeconds: Int
    /// Address space (RLIMIT_AS): a frame of absurd dimensions fails to allocate instead of swapping the host.
    public var memoryBytes: Int
    /// The largest image or JSON document a child may produce (RLIMIT_FSIZE for files, a read limit for pipes).
    public var maxOutputBytes: Int
    /// Pixels per decoded frame (`-max_pixels`), checked by the decoder before it allocates.
    public var maxPixels: Int
    /// Objects that are not one plain file on local disk are copied to a private temporary file first; larger ones
    /// are refused.
    public var maxSpoolBytes: Int64
    /// Threads each child may use, so one request cannot take every core.
    public var threads: Int

    public init(wallSeconds: Int = 30, cpuSeconds: Int = 60, memoryBytes: Int = 1 << 30, maxOutputBytes: Int = 32 << 20,
                maxPixels: Int = 8_192 * 8_192, maxSpoolBytes: Int64 = 1 << 30, threads: Int = 2) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.maxOutputBytes = maxOutputBytes
        self.maxPixels = maxPixels
        self.maxSpoolBytes = maxSpoolBytes
        self.threads = threads
    }
}
