import Hummingbird
import SiloCore

/// Small request bodies (XML and JSON configuration), read only after the route is authorized.
enum Bodies {
    /// The body, refusing anything past `limit`.
    static func collect(_ body: RequestBody, limit: Int, tooLarge: OSSError = .malformedXML) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            if bytes.count + chunk.readableBytes > limit { throw tooLarge }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// Checks `Content-MD5` of a collected body, when the client sent one.
    static func verifyContentMD5(_ request: OSSRequest, _ body: [UInt8]) throws {
        guard let header = request.header(.contentMD5) else { return }
        guard RequestHeaders.contentMD5(header) != nil, header == RequestHeaders.md5Base64(body) else {
            throw OSSError.invalidDigest
        }
    }
}
