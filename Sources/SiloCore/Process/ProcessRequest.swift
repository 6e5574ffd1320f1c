import Foundation

/// A parsed `x-oss-process` value (spec §14.1): an image pipeline, a bucket style to look up, or a video action.
/// The parser checks every parameter's presence and range, so the image and media code only see valid operations.
public enum ProcessRequest: Sendable, Hashable {
    case image(ImagePipeline)
    case style(String)
    case video(VideoProcess)

    /// Longer values are refused before parsing.
    public static let maxLength = 4096

    public static func parse(_ text: String) throws(OSSError) -> ProcessRequest {
        guard text.utf8.count <= maxLength else { throw .invalidArgument("The process string is too long.", name: "x-oss-process") }
        if text.hasPrefix("style/") {
            let name = String(text.dropFirst("style/".count))
            guard isStyleName(name) else {
                throw .invalidArgument("The style name \(name) is invalid.", name: "x-oss-process")
            }
            return .style(name)
        }
        if text.hasPrefix("video/") { return .video(try VideoProcess(parsing: text.dropFirst("video/".count))) }
        guard text.hasPrefix("image/") else {
            throw .invalidArgument("The process type is invalid; it must start with image/, video/ or style/.",
                                   name: "x-oss-process")
        }
        return .image(try ImagePipeline(parsing: text.dropFirst("image/".count)))
    }

    /// 1–63 of `[A-Za-z0-9_.-]`.
    public static func isStyleName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2E || byte == 0x2D
        }
    }
}

/// Image operations, run left to right.
public struct ImagePipeline: Sendable, Hashable {
    public static let maxOperations = 32

    public var operations: [ImageOperation]

    public init(operations: [ImageOperation]) {
        self.operations = operations
    }

    /// Parses the part after `image/`.
    public init(parsing text: Substring) throws(OSSError) {
        let actions = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !text.isEmpty, actions.count <= Self.maxOperations else {
            throw .invalidArgument(text.isEmpty ? "The process string has no action." : "The process string has too many actions.",
                                   name: "x-oss-process")
        }
        var operations: [ImageOperation] = []
        for action in actions {
            operations.append(try ImageOperation(parsing: action))
        }
        self.operations = operations
        guard watermarkImageKeys.count <= Self.maxImageWatermarks else {
            throw .invalidArgument("At most \(Self.maxImageWatermarks) image watermarks are allowed.", name: "x-oss-process")
        }
    }

    /// Spec §14.3.
    public static let maxImageWatermarks = 3

    /// The objects image watermarks read, in order.
    public var watermarkImageKeys: [String] {
        operations.compactMap { operation in
            if case .watermark(let watermark) = operation, case .image(let key, _, _) = watermark.content { return key }
            return nil
        }
    }

    /// One spelling per meaning (parameters in a fixed order, defaults explicit): the derived-image cache key.
    public var canonical: String { "image/" + operations.map(\.canonical).joined(separator: "/") }

    /// The output format the pipeline asks for, if any (the last `format` wins).
    public var outputFormat: ImageProcess.Format? {
        operations.reduce(nil) { last, operation in
            if case .format(let format) = operation { return format }
            return last
        }
    }

    /// True when the answer is JSON (`info`, `average-hue`) rather than an image.
    public var answersJSON: Bool {
        operations.contains { $0 == .info || $0 == .averageHue }
    }
}

/// `RRGGBB`.
public struct RGBColor: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public static let white = RGBColor(red: 255, green: 255, blue: 255)
    public static let black = RGBColor(red: 0, green: 0, blue: 0)

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public init?(hex: Substring) {
        guard hex.utf8.count == 6, let value = UInt32(hex, radix: 16), hex.allSatisfy(\.isHexDigit) else { return nil }
        self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    public var hex: String {
        let digits = Array("0123456789ABCDEF")
        return [red, green, blue].map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xF)]]) }.joined()
    }
}

/// The body of ProcessObject (spec §7.12): `x-oss-process=<image/... or style/...>|sys/saveas,o_<b64url key>[,b_<b64url bucket>]`.
public struct SaveAsRequest: Sendable, Hashable {
    public var process: ProcessRequest
    public var targetKey: String
    /// Nil: the source's bucket.
    public var targetBucket: String?

    public static func parse(form body: String) throws(OSSError) -> SaveAsRequest {
        var text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("x-oss-process=") else {
            throw .invalidArgument("The body must be x-oss-process=<process>.", name: "x-oss-process")
        }
        text = String(text.dropFirst("x-oss-process=".count))
        // Some SDKs form-encode the value; oss2 sends it raw.
        if text.contains("%"), let decoded = text.removingPercentEncoding { text = decoded }
        // The process itself may be a pipe (a video snapshot, then image actions); the last stage stores it.
        let stages = text.split(separator: "|", omittingEmptySubsequences: false)
        guard stages.count >= 2, let saveAs = stages.last, saveAs.hasPrefix("sys/saveas"),
              !stages.dropLast().contains(where: { $0.hasPrefix("sys/") })
        else {
            throw .invalidArgument("The process must end with one |sys/saveas,o_<object>.", name: "x-oss-process")
        }
        let process = try ProcessRequest.parse(stages.dropLast().joined(separator: "|"))
        var targetKey: String?
        var targetBucket: String?
        for piece in saveAs.dropFirst("sys/saveas".count).split(separator: ",") {
            if piece.hasPrefix("o_") {
                guard let key = Base64URL.decode(String(piece.dropFirst(2))), !key.isEmpty else {
                    throw .badRequest("Input is not base64 decoding.")
                }
                targetKey = key
            } else if piece.hasPrefix("b_") {
                guard let bucket = Base64URL.decode(String(piece.dropFirst(2))), !bucket.isEmpty else {
                    throw .badRequest("Input is not base64 decoding.")
                }
                targetBucket = bucket
            } else {
                throw .invalidArgument("sys/saveas takes o_ and b_, not \(piece).", name: "x-oss-process")
            }
        }
        guard let targetKey else { throw OSSError(status: 400, code: "MissingArgument", message: "sys/saveas needs o_<object>.") }
        return SaveAsRequest(process: process, targetKey: targetKey, targetBucket: targetBucket)
    }
}
