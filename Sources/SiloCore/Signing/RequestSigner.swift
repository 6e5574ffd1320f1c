import HTTPTypes

/// Which OSS signature a client puts on its requests.
public enum SignatureVersion: String, Sendable, Hashable, CaseIterable {
    case v1
    case v4
}

/// The key a request is signed with; `securityToken` is set for STS credentials.
public struct SigningKey: Sendable, Hashable {
    public var accessKeyId: String
    public var accessKeySecret: String
    public var securityToken: String?

    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
    }
}

/// The client side of signing: turns an unsigned request into a header-signed one, or into presigned query
/// parameters, in exactly the forms the server's verifier (and Alibaba OSS) accepts.
public enum RequestSigner {
    /// Adds the date, the token and the `Authorization` header. `now` is Unix seconds, already skew-corrected.
    public static func sign(_ request: inout SigningRequest, key: SigningKey, version: SignatureVersion,
                            region: String, now: Int64) {
        if let token = key.securityToken { request.headers[HTTPField.Name("x-oss-security-token")!] = token }
        switch version {
        case .v1:
            let date = Timestamps.rfc1123(unixSeconds: now)
            request.headers[.date] = date
            let signature = SignatureV1.signature(stringToSign: SignatureV1.stringToSign(request, date: date),
                                                  secret: key.accessKeySecret)
            request.headers[.authorization] = "OSS " + key.accessKeyId + ":" + signature
        case .v4:
            let timestamp = Timestamps.isoBasic(unixSeconds: now)
            request.headers[HTTPField.Name("x-oss-date")!] = timestamp
            request.headers[HTTPField.Name("x-oss-content-sha256")!] = SignatureV4.unsignedPayload
            let scope = SignatureV4.Scope(date: String(timestamp.prefix(8)), region: region)
            let canonical = SignatureV4.canonicalRequest(request, additionalHeaders: [])
            let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: scope)
            let signature = SignatureV4.signature(stringToSign: stringToSign, secret: key.accessKeySecret, scope: scope)
            request.headers[.authorization] = SignatureV4.algorithm + " Credential="
                + SignatureV4.Credential(accessKeyId: key.accessKeyId, scope: scope).string + ",Signature=" + signature
        }
    }

    /// The query parameters that make `request` a presigned URL valid for `expiresIn` seconds from `now`.
    /// The request's own query must already hold its sub-resources (they are signed).
    public static func presign(_ request: SigningRequest, key: SigningKey, version: SignatureVersion, region: String,
                               now: Int64, expiresIn: Int64) -> [QueryItem] {
        switch version {
        case .v1:
            var signing = request
            var added: [QueryItem] = []
            if let token = key.securityToken {
                // The token is a signed sub-resource in V1 presigned URLs.
                signing.query.append("security-token", token)
                added.append(QueryItem("security-token", token))
            }
            let expires = String(now + expiresIn)
            let signature = SignatureV1.signature(stringToSign: SignatureV1.stringToSign(signing, date: expires),
                                                  secret: key.accessKeySecret)
            return [QueryItem("OSSAccessKeyId", key.accessKeyId), QueryItem("Expires", expires)] + added
                + [QueryItem("Signature", signature)]
        case .v4:
            let timestamp = Timestamps.isoBasic(unixSeconds: now)
            let scope = SignatureV4.Scope(date: String(timestamp.prefix(8)), region: region)
            var added = [
                QueryItem("x-oss-signature-version", SignatureV4.algorithm),
                QueryItem("x-oss-credential", SignatureV4.Credential(accessKeyId: key.accessKeyId, scope: scope).string),
                QueryItem("x-oss-date", timestamp),
                QueryItem("x-oss-expires", String(expiresIn)),
            ]
            if let token = key.securityToken { added.append(QueryItem("x-oss-security-token", token)) }
            var signing = request
            for item in added { signing.query.append(item.name, item.value) }
            let canonical = SignatureV4.canonicalRequest(signing, additionalHeaders: [])
            let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: timestamp, scope: scope)
            let signature = SignatureV4.signature(stringToSign: stringToSign, secret: key.accessKeySecret, scope: scope)
            return added + [QueryItem("x-oss-signature", signature)]
        }
    }
}
