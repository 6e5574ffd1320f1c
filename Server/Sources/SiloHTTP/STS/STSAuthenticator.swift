import Foundation
import SiloCore
import SiloIAM

/// Verifies the two signatures STS clients use: classic RPC HMAC-SHA1 and ACS3-HMAC-SHA256, with a timestamp
/// window and signature-nonce replay protection.
final class STSAuthenticator: Sendable {
    let iam: IAMService
    let clock: @Sendable () -> Int64
    let window: Int64 = 15 * 60

    init(iam: IAMService, clock: @escaping @Sendable () -> Int64) {
        self.iam = iam
        self.clock = clock
    }

    func authenticate(_ request: STSRequest) async throws -> Principal {
        if let authorization = request.header("Authorization"), authorization.hasPrefix(ACS3Signature.algorithm) {
            return try await verifyACS3(request, authorization)
        }
        if request.parameter("Signature") != nil { return try await verifyRPC(request) }
        throw STSError.missingParameter("Signature")
    }

    private func verifyRPC(_ request: STSRequest) async throws -> Principal {
        for name in ["AccessKeyId", "Timestamp", "SignatureNonce"] where request.parameter(name) == nil {
            throw STSError.missingParameter(name)
        }
        if let method = request.parameter("SignatureMethod"), method != "HMAC-SHA1" {
            throw STSError.invalidParameter("SignatureMethod \(method) is not supported; use HMAC-SHA1.")
        }
        try checkTime(request.parameter("Timestamp")!)
        let key = try await resolve(request.parameter("AccessKeyId")!, token: request.parameter("SecurityToken"))
        let stringToSign = RPCSignature.stringToSign(method: request.method.rawValue, parameters: request.parameters)
        let expected = RPCSignature.signature(stringToSign: stringToSign, secret: key.secret)
        guard constantTimeEqual(expected, request.parameter("Signature")!) else {
            throw STSError.signatureDoesNotMatch(stringToSign)
        }
        try await remember(nonce: request.parameter("SignatureNonce")!)
        return key.principal
    }

    static let requiredACS3Headers = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                                      "x-acs-content-sha256"]

    private func verifyACS3(_ request: STSRequest, _ authorization: String) async throws -> Principal {
        guard let parsed = ACS3Signature.Authorization(parsing: authorization) else { throw STSError.incompleteSignature }
        for name in Self.requiredACS3Headers where !parsed.signedHeaders.contains(name) {
            throw STSError(status: 400, code: "IncompleteSignature", message: "The header \(name) must be signed.")
        }
        guard let date = request.header("x-acs-date"), let nonce = request.header("x-acs-signature-nonce"),
            let contentHash = request.header("x-acs-content-sha256")
        else { throw STSError.incompleteSignature }
        try checkTime(date)
        guard contentHash.lowercased() == ACS3Signature.payloadHash(request.body) else {
            throw STSError(status: 400, code: "InvalidParameter", message: "x-acs-content-sha256 does not match the body.")
        }
        let key = try await resolve(parsed.accessKeyId, token: request.header("x-acs-security-token"))
        var headers: [(name: String, value: String)] = request.headers.map { ($0.name.canonicalName, $0.value) }
        if !request.host.isEmpty { headers.append(("host", request.host)) }
        let canonical = ACS3Signature.canonicalRequest(
            method: request.method.rawValue, path: request.path, query: request.query, headers: headers,
            signedHeaders: parsed.signedHeaders, payloadHash: contentHash)
        let stringToSign = ACS3Signature.stringToSign(canonicalRequest: canonical)
        guard constantTimeEqual(ACS3Signature.signature(stringToSign: stringToSign, secret: key.secret), parsed.signature) else {
            throw STSError.signatureDoesNotMatch(stringToSign)
        }
        try await remember(nonce: nonce)
        return key.principal
    }

    /// Credential errors come back as `CredentialError` and are answered in STS's terms by `STSErrors`.
    private func resolve(_ accessKeyId: String, token: String?) async throws -> ResolvedKey {
        try await iam.resolve(accessKeyId: accessKeyId, securityToken: token)
    }

    private func checkTime(_ text: String) throws {
        guard let time = Timestamps.parseISO8601(text) else {
            throw STSError(status: 400, code: "InvalidTimeStamp.Format", message: "Specified time stamp or date value is not well formatted.")
        }
        guard abs(clock() - time) <= window else { throw STSError.timestampExpired }
    }

    /// A signature nonce may be used once within the timestamp window, on any gateway sharing IAM's store.
    private func remember(nonce: String) async throws {
        guard try await iam.nonces.firstUse(of: nonce, now: clock(), window: window) else { throw STSError.nonceUsed }
    }
}
