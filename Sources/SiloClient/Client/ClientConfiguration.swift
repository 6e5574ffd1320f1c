import SiloCore

/// How the client talks to the service. The defaults are the mobile SDKs' (spec §17.5), with CRC-64 checks
/// and V4 signing on.
public struct ClientConfiguration: Sendable {
    public enum Addressing: Sendable, Hashable {
        /// Virtual-hosted for a domain name, path-style for an IP address or `localhost` (as oss2 decides).
        case automatic
        /// `https://endpoint/bucket/key`
        case pathStyle
        /// `https://bucket.endpoint/key`
        case virtualHosted
    }

    /// The longest a new connection may take to open. AsyncHTTPClient applies it as such; URLSession has no
    /// connect-only timeout on any platform, so there opening a connection counts against `socketTimeout`.
    public var connectionTimeout: Duration = .seconds(15)
    /// The longest silence on an open connection before the request fails.
    public var socketTimeout: Duration = .seconds(15)
    public var maxConcurrentRequests = 5
    /// Retries after the first attempt, for requests that are safe to repeat.
    public var maxRetries = 2
    /// The first retry waits up to this long (full jitter); each further retry doubles it.
    public var retryBaseDelay: Duration = .milliseconds(200)
    public var maxRetryDelay: Duration = .seconds(10)
    public var signatureVersion: SignatureVersion = .v4
    public var addressing: Addressing = .automatic
    /// Compare the CRC-64 of every full upload and download with the server's `x-oss-hash-crc64ecma`.
    public var checksumValidation = true
    public var userAgent = "silo-swift-sdk/" + SiloVersion.current
    /// Receives one line per request attempt; nil logs nothing.
    public var log: (@Sendable (String) -> Void)?
    /// Receives one entry per request attempt, with its level and fields (`unifiedLog(subsystem:)` sends them to
    /// os.Logger on Apple platforms); nil logs nothing.
    public var logHandler: (@Sendable (ClientLogEntry) -> Void)?

    public init() {}
}
