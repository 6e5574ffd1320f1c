import Foundation
import HTTPTypes
import SiloCore

/// STS `AssumeRole` (spec §15) with the classic RPC signature: what an application server runs to get a
/// token scoped to one app user, against Silo's STS or Alibaba Cloud's.
public struct STSClient: Sendable {
    public struct AssumedRole: Sendable, Hashable {
        public var credentials: Credentials
        public var arn: String
        public var assumedRoleId: String
        /// The `Expiration` text exactly as STS sent it (`yyyy-MM-ddTHH:mm:ssZ`), for handing on to apps.
        public var expiration: String
        public var requestId: String

        public init(credentials: Credentials, arn: String, assumedRoleId: String, expiration: String, requestId: String) {
            self.credentials = credentials
            self.arn = arn
            self.assumedRoleId = assumedRoleId
            self.expiration = expiration
            self.requestId = requestId
        }
    }

    public let endpoint: URL
    public let accessKeyId: String
    public let accessKeySecret: String
    public let securityToken: String?
    let transport: any Transport

    public init(endpoint: URL, accessKeyId: String, accessKeySecret: String, securityToken: String? = nil,
                transport: any Transport) {
        self.endpoint = endpoint
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.transport = transport
    }

    /// - Parameters:
    ///   - roleArn: the role to assume, `acs:ram::<account>:role/<name>`.
    ///   - sessionName: names the session in logs and in the assumed-role ARN (2 to 64 characters).
    ///   - policy: a session policy JSON narrowing the role's permissions (for example to one user's prefix).
    ///   - durationSeconds: 900 up to the role's maximum.
    ///   - externalId: the value the role's trust policy may require in `sts:ExternalId`.
    public func assumeRole(roleArn: String, sessionName: String, policy: String? = nil, durationSeconds: Int = 3600,
                           externalId: String? = nil) async throws -> AssumedRole {
        var parameters = [
            QueryItem("Action", "AssumeRole"), QueryItem("Version", "2015-04-01"), QueryItem("Format", "JSON"),
            QueryItem("RoleArn", roleArn), QueryItem("RoleSessionName", sessionName),
            QueryItem("DurationSeconds", String(durationSeconds)), QueryItem("AccessKeyId", accessKeyId),
            QueryItem("SignatureMethod", "HMAC-SHA1"), QueryItem("SignatureVersion", "1.0"),
            QueryItem("SignatureNonce", UUID().uuidString),
            QueryItem("Timestamp", Timestamps.iso8601NoFraction(unixSeconds: Int64(Date().timeIntervalSince1970))),
        ]
        if let policy { parameters.append(QueryItem("Policy", policy)) }
        if let externalId { parameters.append(QueryItem("ExternalId", externalId)) }
        if let securityToken { parameters.append(QueryItem("SecurityToken", securityToken)) }
        let signature = RPCSignature.signature(stringToSign: RPCSignature.stringToSign(method: "POST", parameters: parameters),
                                               secret: accessKeySecret)
        parameters.append(QueryItem("Signature", signature))

        guard let scheme = endpoint.scheme, let host = endpoint.host else {
            throw OSSClientError.invalidArgument("STS endpoint \(endpoint) has no scheme or host")
        }
        let head = HTTPRequest(method: .post, scheme: scheme, authority: endpoint.port.map { "\(host):\($0)" } ?? host,
                               path: "/?" + QueryParameters(parameters).encoded)
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(head: head, body: .empty))
        } catch {
            throw RetryMiddleware.map(error)
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        guard response.head.status.code == 200 else {
            throw OSSClientError.server(status: response.head.status.code, code: object["Code"] as? String ?? "HTTP\(response.head.status.code)",
                                        message: object["Message"] as? String ?? "", requestId: object["RequestId"] as? String ?? "",
                                        ec: nil)
        }
        guard let credentials = object["Credentials"] as? [String: Any],
            let id = credentials["AccessKeyId"] as? String, let secret = credentials["AccessKeySecret"] as? String,
            let token = credentials["SecurityToken"] as? String, let expirationText = credentials["Expiration"] as? String,
            let expiration = Timestamps.parseISO8601(expirationText)
        else { throw OSSClientError.invalidResponse("AssumeRole answer without credentials") }
        let user = object["AssumedRoleUser"] as? [String: Any] ?? [:]
        return AssumedRole(
            credentials: Credentials(accessKeyId: id, accessKeySecret: secret, securityToken: token,
                                     expiration: Date(timeIntervalSince1970: TimeInterval(expiration))),
            arn: user["Arn"] as? String ?? "", assumedRoleId: user["AssumedRoleId"] as? String ?? "",
            expiration: expirationText, requestId: object["RequestId"] as? String ?? "")
    }
}

extension RefreshingCredentialsProvider {
    /// Temporary credentials for a server process: assumes `roleArn` with a RAM user's key and renews the
    /// session before it expires.
    public static func assumingRole(_ sts: STSClient, roleArn: String, sessionName: String, policy: String? = nil,
                                    durationSeconds: Int = 3600) -> RefreshingCredentialsProvider {
        RefreshingCredentialsProvider {
            try await sts.assumeRole(roleArn: roleArn, sessionName: sessionName, policy: policy,
                                     durationSeconds: durationSeconds).credentials
        }
    }
}
