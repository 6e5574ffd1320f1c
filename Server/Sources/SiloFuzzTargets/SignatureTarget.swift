import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SiloCore
import SiloIAM

@testable import SiloHTTP

enum SignatureTarget {
    /// One key the fuzzed requests may name; the fuzzer cannot compute a valid signature for it.
    struct Keys: CredentialResolver {
        func resolve(accessKeyId: String, securityToken: String?) async throws -> ResolvedKey {
            guard accessKeyId == "LTAIfuzz" else { throw OSSError.invalidAccessKeyId }
            return ResolvedKey(principal: .user(name: "fuzz", id: "1", accessKeyId: accessKeyId), secret: "fuzz-secret")
        }
    }

    static let settings: ServerSettings = {
        var settings = ServerSettings(region: "cn-hangzhou", accountId: "1234", publicEndpoint: "127.0.0.1:9000",
                                      virtualHostDomains: ["oss.example.com"])
        settings.clock = { 1_700_000_000 }
        return settings
    }()

    /// Fields: method, request target, host, then header name/value pairs. Whatever arrives, the request is
    /// anonymous or refused with a protocol error; it is never authenticated as the key's owner.
    static func run(_ bytes: [UInt8]) async {
        var input = FuzzInput(bytes)
        let methods: [HTTPRequest.Method] = [.get, .put, .post, .delete, .head, .options]
        let method = methods[Int(input.byte()) % methods.count]
        let target = input.string()
        let host = input.string()
        var fields = HTTPFields()
        while !input.isEmpty {
            let name = input.string()
            let value = input.string()
            if let fieldName = HTTPField.Name(name), HTTPField.isValidValue(value) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        // Parsers on their own, as the authenticator calls them.
        if let authorization = fields[.authorization] {
            _ = SignatureV1.parseAuthorization(authorization)
            _ = SignatureV2.Authorization(parsing: authorization)
            _ = SignatureV4.Authorization(parsing: authorization)
        }
        _ = SignatureV4.Credential(parsing: target)
        _ = Timestamps.parseRFC1123(host)
        _ = Timestamps.parseISOBasic(host)
        _ = Timestamps.parseISO8601(host)
        let head = HTTPRequest(method: method, scheme: "http", authority: host.isEmpty ? nil : host, path: target,
                               headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        guard let parsed = try? OSSRequest.parse(request, settings: settings, requestId: "FUZZ") else { return }
        _ = parsed.signing
        let authenticator = Authenticator(settings: settings, credentials: Keys())
        do {
            let principal = try await authenticator.authenticate(parsed)
            precondition(principal == .anonymous, "a fuzzed request authenticated as \(principal)")
        } catch is OSSError {
        } catch {
            preconditionFailure("authentication threw a non-protocol error: \(error)")
        }
        _ = try? ObjectWriteHandlers.parseCopySource(parsed.header("x-oss-copy-source") ?? target)
        _ = OSSRoutes.resolve(parsed)
    }
}
