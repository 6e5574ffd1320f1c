import Crypto
import HTTPTypes
import NIOConcurrencyHelpers
import SiloCore
import SiloIAM

/// Decides which signature scheme a request uses (spec §3) and verifies it.
struct Authenticator: Sendable {
    let settings: ServerSettings
    let credentials: any CredentialResolver
    let signingKeys = SigningKeyCache()

    static let maxPresignV4Expires: Int64 = 604_800

    func authenticate(_ request: OSSRequest) async throws -> Principal {
        let authorization = request.header(.authorization)
        let query = request.query
        let hasQuerySignature = query.contains("Signature") || query.contains("x-oss-signature")
        if let authorization, !authorization.isEmpty {
            if hasQuerySignature {
                throw OSSError.invalidArgument("Only one auth mechanism allowed; only the Authorization header or the query signature.")
            }
            if authorization.hasPrefix(SignatureV4.algorithm + " ") { return try await verifyV4Header(request, authorization) }
            if authorization.hasPrefix("OSS ") { return try await verifyV1Header(request, authorization) }
            if authorization.hasPrefix("OSS2 ") { return try await verifyV2Header(request, authorization) }
            throw OSSError.invalidAuthorizationHeader
        }
        if let version = query["x-oss-signature-version"] {
            if version == SignatureV4.algorithm { return try await verifyV4Query(request) }
            if version == "OSS2" { return try await verifyV2Query(request) }
            throw OSSError.invalidArgument("Unsupported x-oss-signature-version.", name: "x-oss-signature-version", value: version)
        }
        let v1Parameters = ["OSSAccessKeyId", "Signature", "Expires"].filter { query.contains($0) }
        if v1Parameters.count == 3 { return try await verifyV1Query(request) }
        if !v1Parameters.isEmpty {
            throw OSSError.accessDenied("Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters")
        }
        return .anonymous
    }

    /// The STS token, wherever the client put it (spec §3.1).
    static func securityToken(_ request: OSSRequest) -> String? {
        request.header("x-oss-security-token") ?? request.header("security-token")
            ?? request.query["security-token"] ?? request.query["x-oss-security-token"]
    }

    // MARK: V1

    private func verifyV1Header(_ request: OSSRequest, _ authorization: String) async throws -> Principal {
        guard let parsed = SignatureV1.parseAuthorization(authorization) else { throw OSSError.invalidAuthorizationHeader }
        let key = try await credentials.resolve(accessKeyId: parsed.accessKeyId, securityToken: Self.securityToken(request))
        let signing = request.signing
        guard let date = SignatureV1.headerDate(signing) else {
            throw OSSError.accessDenied("OSS authentication requires a valid Date.")
        }
        guard let time = Timestamps.parseRFC1123(date) else {
            throw OSSError.accessDenied("OSS authentication requires a valid Date.")
        }
        try checkSkew(time)
        try verifyV1(signing, date: date, provided: parsed.signature, key: key, accessKeyId: parsed.accessKeyId)
        return key.principal
    }

    private func verifyV1Query(_ request: OSSRequest) async throws -> Principal {
        let query = request.query
        let accessKeyId = query["OSSAccessKeyId"] ?? ""
        let expires = query["Expires"] ?? ""
        try checkNotExpired(expires)
        let key = try await credentials.resolve(accessKeyId: accessKeyId, securityToken: Self.securityToken(request))
        try verifyV1(request.signing, date: expires, provided: query["Signature"] ?? "", key: key, accessKeyId: accessKeyId)
        return key.principal
    }

    private func verifyV1(_ signing: SigningRequest, date: String, provided: String, key: ResolvedKey, accessKeyId: String) throws {
        let stringToSign = SignatureV1.stringToSign(signing, date: date)
        if constantTimeEqual(SignatureV1.signature(stringToSign: stringToSign, secret: key.secret), provided) { return }
        // alibabacloud-oss-v2's V1 signer leaves x-oss-process unsigned (spec §4.2).
        if signing.query.contains("x-oss-process") {
            let lenient = SignatureV1.stringToSign(signing, date: date, excludingSubResources: ["x-oss-process"])
            if constantTimeEqual(SignatureV1.signature(stringToSign: lenient, secret: key.secret), provided) { return }
        }
        throw OSSError.signatureDoesNotMatch(stringToSign: stringToSign, provided: provided, accessKeyId: accessKeyId)
    }

    // MARK: V2

    private func verifyV2Header(_ request: OSSRequest, _ authorization: String) async throws -> Principal {
        guard let parsed = SignatureV2.Authorization(parsing: authorization) else { throw OSSError.invalidAuthorizationHeader }
        let key = try await credentials.resolve(accessKeyId: parsed.accessKeyId, securityToken: Self.securityToken(request))
        let signing = request.signing
        guard let date = SignatureV1.headerDate(signing), let time = Timestamps.parseRFC1123(date) else {
            throw OSSError.accessDenied("OSS authentication requires a valid Date.")
        }
        try checkSkew(time)
        let stringToSign = SignatureV2.stringToSign(signing, date: date, additionalHeaders: parsed.additionalHeaders)
        guard constantTimeEqual(SignatureV2.signature(stringToSign: stringToSign, secret: key.secret), parsed.signature) else {
            throw OSSError.signatureDoesNotMatch(stringToSign: stringToSign, provided: parsed.signature, accessKeyId: parsed.accessKeyId)
        }
        return key.principal
    }

    private func verifyV2Query(_ request: OSSRequest) async throws -> Principal {
        let query = request.query
        let accessKeyId = query["x-oss-access-key-id"] ?? ""
        let expires = query["x-oss-expires"] ?? ""
        try checkNotExpired(expires)
        let key = try await credentials.resolve(accessKeyId: accessKeyId, securityToken: Self.securityToken(request))
        let additional = (query["x-oss-additional-headers"] ?? "").split(separator: ";").map { $0.lowercased() }
        let provided = query["x-oss-signature"] ?? ""
        let stringToSign = SignatureV2.stringToSign(request.signing, date: expires, additionalHeaders: additional,
                                                    excludingQuery: ["x-oss-signature"])
        guard constantTimeEqual(SignatureV2.signature(stringToSign: stringToSign, secret: key.secret), provided) else {
            throw OSSError.signatureDoesNotMatch(stringToSign: stringToSign, provided: provided, accessKeyId: accessKeyId)
        }
        return key.principal
    }

    // MARK: V4

    private func verifyV4Header(_ request: OSSRequest, _ authorization: String) async throws -> Principal {
        guard let parsed = SignatureV4.Authorization(parsing: authorization) else {
            throw OSSError.invalidArgument("Invalid credential in Authorization header.")
        }
        try checkScope(parsed.credential.scope, regionError: .invalidSigningRegion)
        let signing = request.signing
        guard let timestamp = SignatureV4.headerTimestamp(signing), let time = Timestamps.parseISOBasic(timestamp),
            timestamp.hasPrefix(parsed.credential.scope.date)
        else { throw OSSError.invalidSigningDate }
        try checkSkew(time)
        let key = try await credentials.resolve(
            accessKeyId: parsed.credential.accessKeyId, securityToken: Self.securityToken(request))
        try verifyV4(signing, additionalHeaders: parsed.additionalHeaders, timestamp: timestamp,
                     credential: parsed.credential, provided: parsed.signature, key: key)
        return key.principal
    }

    private func verifyV4Query(_ request: OSSRequest) async throws -> Principal {
        let query = request.query
        guard let credential = query["x-oss-credential"].flatMap(SignatureV4.Credential.init(parsing:)) else {
            throw OSSError.invalidArgument("Invalid credential in x-oss-credential.", name: "x-oss-credential")
        }
        try checkScope(credential.scope, regionError: .invalidArgument("The signing region in credential is invalid."))
        guard let timestamp = query["x-oss-date"], let signedAt = Timestamps.parseISOBasic(timestamp),
            timestamp.hasPrefix(credential.scope.date)
        else { throw OSSError.invalidArgument("Invalid signing date in x-oss-date.", name: "x-oss-date") }
        guard let expires = query["x-oss-expires"].flatMap({ Int64($0) }), (1...Self.maxPresignV4Expires).contains(expires)
        else {
            throw OSSError.invalidArgument("x-oss-expires must be between 1 and 604800 seconds.", name: "x-oss-expires",
                                           value: query["x-oss-expires"], ec: "0002-00000232")
        }
        let now = settings.clock()
        if now > signedAt + expires { throw OSSError.requestExpired }
        if signedAt > now + settings.maxClockSkew { throw OSSError.requestTimeTooSkewed }
        let key = try await credentials.resolve(accessKeyId: credential.accessKeyId, securityToken: Self.securityToken(request))
        let additional = (query["x-oss-additional-headers"] ?? "").split(separator: ";").map { $0.lowercased() }
        try verifyV4(request.signing, additionalHeaders: additional, timestamp: timestamp, credential: credential,
                     provided: query["x-oss-signature"] ?? "", key: key)
        return key.principal
    }

    private func checkScope(_ scope: SignatureV4.Scope, regionError: OSSError) throws {
        guard scope.region == settings.region else { throw regionError }
        guard scope.product == "oss" else {
            throw OSSError.invalidArgument("Invalid signing product in Authorization header.")
        }
    }

    private func verifyV4(_ signing: SigningRequest, additionalHeaders: [String], timestamp: String,
                          credential: SignatureV4.Credential, provided: String, key: ResolvedKey) throws {
        let canonical = SignatureV4.canonicalRequest(signing, additionalHeaders: additionalHeaders)
        let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: credential.scope)
        let signingKey = signingKeys.key(secret: key.secret, scope: credential.scope)
        if constantTimeEqual(SignatureV4.signature(stringToSign: stringToSign, signingKey: signingKey), provided) { return }
        throw OSSError.signatureDoesNotMatch(stringToSign: stringToSign, provided: provided, accessKeyId: credential.accessKeyId)
            .with("CanonicalRequest", canonical)
    }

    // MARK: shared

    /// V1 and V2 presigned URLs carry an absolute expiry, checked before the signature.
    private func checkNotExpired(_ expires: String) throws {
        guard let expiry = Int64(expires) else {
            throw OSSError.accessDenied("Invalid date (should be seconds since epoch).")
        }
        if settings.clock() > expiry { throw OSSError.requestExpired }
    }

    private func checkSkew(_ requestTime: Int64) throws {
        if abs(settings.clock() - requestTime) > settings.maxClockSkew { throw OSSError.requestTimeTooSkewed }
    }
}

/// Compares two signatures without an early exit, so timing reveals nothing about the expected value.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for index in 0..<min(x.count, y.count) { difference |= x[index] ^ y[index] }
    return difference == 0
}

/// V4 signing keys take four HMACs to derive and change once a day per key: derive each once.
final class SigningKeyCache: Sendable {
    private let keys = NIOLockedValueBox<[String: SymmetricKey]>([:])

    func key(secret: String, scope: SignatureV4.Scope) -> SymmetricKey {
        let id = scope.string + "\n" + secret
        if let key = keys.withLockedValue({ $0[id] }) { return key }
        let key = SignatureV4.signingKey(secret: secret, scope: scope)
        keys.withLockedValue { keys in
            if keys.count >= 4096 { keys.removeAll(keepingCapacity: true) }
            keys[id] = key
        }
        return key
    }
}
