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

    // MARK: V1 and V2

    /// V1 and V2 header signatures share everything but the string to sign: the key, a `Date` (or
    /// `x-oss-date`) within the skew, then `check` with the date and the key's secret.
    private func verifyHeaderSigned(_ request: OSSRequest, accessKeyId: String,
                                    check: (SigningRequest, String, String) throws -> Void) async throws -> Principal {
        let key = try await credentials.resolve(accessKeyId: accessKeyId, securityToken: Self.securityToken(request))
        let signing = request.signing
        guard let date = SignatureV1.headerDate(signing), let time = Timestamps.parseRFC1123(date) else {
            throw OSSError.accessDenied("OSS authentication requires a valid Date.")
        }
        try checkSkew(time)
        try check(signing, date, key.secret)
        return key.principal
    }

    private func verifyV1Header(_ request: OSSRequest, _ authorization: String) async throws -> Principal {
        guard let parsed = SignatureV1.parseAuthorization(authorization) else { throw OSSError.invalidAuthorizationHeader }
        return try await verifyHeaderSigned(request, accessKeyId: parsed.accessKeyId) { signing, date, secret in
            try verifyV1(signing, date: date, provided: parsed.signature, secret: secret, accessKeyId: parsed.accessKeyId)
        }
    }

    private func verifyV1Query(_ request: OSSRequest) async throws -> Principal {
        let query = request.query
        let accessKeyId = query["OSSAccessKeyId"] ?? ""
        let expires = query["Expires"] ?? ""
        try checkNotExpired(expires)
        let key = try await credentials.resolve(accessKeyId: accessKeyId, securityToken: Self.securityToken(request))
        try verifyV1(request.signing, date: expires, provided: query["Signature"] ?? "", secret: key.secret,
                     accessKeyId: accessKeyId)
        return key.principal
    }

    private func verifyV1(_ signing: SigningRequest, date: String, provided: String, secret: String, accessKeyId: String) throws {
        let stringToSign = SignatureV1.stringToSign(signing, date: date)
        if constantTimeEqual(SignatureV1.signature(stringToSign: stringToSign, secret: secret), provided) { return }
        // alibabacloud-oss-v2's V1 signer leaves x-oss-process unsigned (spec §4.2).
        if signing.query.contains("x-oss-process") {
            let lenient = SignatureV1.stringToSign(signing, date: date, excludingSubResources: ["x-oss-process"])
            if constantTimeEqual(SignatureV1.signature(stringToSign: lenient, secret: secret), provided) { return }
        }
        throw OSSError.signatureDoesNotMatch(stringToSign: stringToSign, provided: provided, accessKeyId: accessKeyId)
    }

    private func verifyV2Header(_ request: OSSRequest, _ authorization: String) async throws -> Principal {
        guard let parsed = SignatureV2.Authorization(parsing: authorization) else { throw OSSError.invalidAuthorizationHeader }
        return try await verifyHeaderSigned(request, accessKeyId: parsed.accessKeyId) { signing, date, secret in
            let stringToSign = SignatureV2.stringToSign(signing, date: date, additionalHeaders: parsed.additionalHeaders)
            guard constantTimeEqual(SignatureV2.signature(stringToSign: stringToSign, secret: secret), parsed.signature) else {
                throw OSSError.signatureDoesNotMatch(stringToSign: stringToSign, provided: parsed.signature,
                                                     accessKeyId: parsed.accessKeyId)
            }
        }
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

    // MARK: PostObject forms

    /// A PostObject form's credentials (spec §12.3, §12.4): V4 or V1 fields signing the base64 policy, or none
    /// (anonymous: only ACLs can allow the write). `form` has lower-cased field names. Same key resolution,
    /// signing-key cache and constant-time comparison as every other scheme; V4 forms are dated like V4 requests.
    func authenticate(form: [String: String]) async throws -> Principal {
        let token = form["x-oss-security-token"]
        if let version = form["x-oss-signature-version"] {
            guard version == SignatureV4.algorithm else {
                throw OSSError.invalidArgument("Unsupported x-oss-signature-version.", name: "x-oss-signature-version")
            }
            guard let policy = form["policy"], !policy.isEmpty else {
                throw OSSError.invalidArgument("The policy field is required.", name: "policy", ec: "0002-00000702")
            }
            guard let credential = form["x-oss-credential"].flatMap(SignatureV4.Credential.init(parsing:)),
                credential.scope.region == settings.region, credential.scope.product == "oss"
            else { throw OSSError.invalidArgument("Invalid x-oss-credential.", name: "x-oss-credential", ec: "0002-00000710") }
            guard let date = form["x-oss-date"], date.hasPrefix(credential.scope.date),
                let signedAt = Timestamps.parseISOBasic(date)
            else {
                throw OSSError.invalidArgument("Invalid x-oss-date.", name: "x-oss-date")
            }
            // A form is dated when it is signed and used later (the policy's expiration bounds it): only a date in
            // the future beyond the skew is refused, as OSS does.
            if signedAt > settings.clock() + settings.maxClockSkew { throw OSSError.requestTimeTooSkewed }
            guard let provided = form["x-oss-signature"], !provided.isEmpty else {
                throw OSSError.invalidArgument("The x-oss-signature field is required.", name: "x-oss-signature",
                                               ec: "0002-00000703")
            }
            let key = try await credentials.resolve(accessKeyId: credential.accessKeyId, securityToken: token)
            let signingKey = signingKeys.key(secret: key.secret, scope: credential.scope)
            let expected = PostPolicy.signatureV4(policy: policy, signingKey: signingKey)
            guard constantTimeEqual(expected, provided) else {
                throw OSSError.signatureDoesNotMatch(stringToSign: policy, provided: provided, accessKeyId: credential.accessKeyId)
            }
            return key.principal
        }
        let v1 = [form["ossaccesskeyid"], form["policy"], form["signature"]]
        if v1.allSatisfy({ $0 == nil || $0 == "" }) { return .anonymous }
        guard let accessKeyId = v1[0], let policy = v1[1], let provided = v1[2], !accessKeyId.isEmpty, !policy.isEmpty,
            !provided.isEmpty
        else {
            throw OSSError.invalidArgument("OSSAccessKeyId, policy and Signature go together.", name: "Signature")
        }
        let key = try await credentials.resolve(accessKeyId: accessKeyId, securityToken: token)
        guard constantTimeEqual(PostPolicy.signatureV1(policy: policy, secret: key.secret), provided) else {
            throw OSSError.signatureDoesNotMatch(stringToSign: policy, provided: provided, accessKeyId: accessKeyId)
        }
        return key.principal
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
