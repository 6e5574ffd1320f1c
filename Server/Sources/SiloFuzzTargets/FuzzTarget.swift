/// The parsers of untrusted bytes, each as a fuzz target: one function from bytes to nothing that must never
/// crash, hang or break its invariant (a broken invariant is a `preconditionFailure`, which libFuzzer reports
/// as a crash). `Fuzz/swift` runs them under libFuzzer with AddressSanitizer; `make test` replays the checked-in
/// corpus and every regression through the same functions.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Request XML documents (Delete, CompleteMultipartUpload, CORS, CreateBucketConfiguration, Style).
    case xmlRequest = "xml-request"
    /// Response XML documents as the SDK decodes them.
    case xmlResponse = "xml-response"
    /// RAM policy JSON and its evaluation.
    case policy
    /// Policy conditions with fuzzed request values.
    case conditions
    /// PostObject's multipart/form-data reader, in chunks of a fuzzed size.
    case formData = "form-data"
    /// PostObject's policy document.
    case postPolicy = "post-policy"
    /// A whole request (target, headers) through addressing and every signature scheme, header and presigned.
    case signature
    /// `x-oss-process` and the saveas form.
    case process
    /// The callback configuration, variables, template and storage facts.
    case callback
    /// STS session tokens and their claims.
    case sessionToken = "session-token"
    /// `Range`, `x-oss-copy-source-range` and the copy source header.
    case range
    /// Image header sniffing.
    case imageHeader = "image-header"
    /// STS RPC requests (query and form body).
    case stsRequest = "sts-request"
    /// `x-oss-tagging` and the `<Tagging>` document.
    case tagging
    /// The `<LifecycleConfiguration>` document.
    case lifecycle
    /// ffprobe's JSON about an uploaded file, as `video/info` reads it.
    case mediaProbe = "media-probe"
    /// The app server's media job webhooks (HMAC, timestamp, the job's status JSON).
    case mediaNotify = "media-notify"
    /// The console's form bodies and cookies.
    case consoleForm = "console-form"
    /// The audit log's redaction of a request target's credential parameters.
    case auditURI = "audit-uri"

    public func run(_ bytes: [UInt8]) async {
        switch self {
        case .xmlRequest: XMLTargets.request(bytes)
        case .xmlResponse: XMLTargets.response(bytes)
        case .policy: PolicyTargets.policy(bytes)
        case .conditions: PolicyTargets.conditions(bytes)
        case .formData: await FormDataTarget.run(bytes)
        case .postPolicy: PolicyTargets.postPolicy(bytes)
        case .signature: await SignatureTarget.run(bytes)
        case .process: ProcessTarget.run(bytes)
        case .callback: CallbackTargets.run(bytes)
        case .sessionToken: TokenTarget.run(bytes)
        case .range: RangeTargets.run(bytes)
        case .imageHeader: RangeTargets.imageHeader(bytes)
        case .stsRequest: await STSTarget.run(bytes)
        case .tagging: TaggingTarget.run(bytes)
        case .lifecycle: LifecycleTarget.run(bytes)
        case .mediaProbe: MediaProbeTarget.run(bytes)
        case .mediaNotify: await MediaNotifyTarget.run(bytes)
        case .consoleForm: ConsoleFormTarget.run(bytes)
        case .auditURI: AuditURITarget.run(bytes)
        }
    }
}

/// Splits a fuzz input into the pieces a target needs, so one byte string drives several parameters.
struct FuzzInput {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    var isEmpty: Bool { bytes.isEmpty }

    mutating func byte() -> UInt8 {
        guard let first = bytes.first else { return 0 }
        bytes = bytes.dropFirst()
        return first
    }

    /// The bytes up to the next NUL (dropped), or all that remain.
    mutating func field() -> [UInt8] {
        guard let end = bytes.firstIndex(of: 0) else {
            defer { bytes = [] }
            return Array(bytes)
        }
        defer { bytes = bytes[(end + 1)...] }
        return Array(bytes[..<end])
    }

    mutating func string() -> String { String(decoding: field(), as: UTF8.self) }

    mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }
}
