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
        // Decoded into a fixed shape rather than through JSONSerialization's dictionaries: an app server does
        // this once per vended token.
        let answer = (try? JSONDecoder().decode(AssumeRoleAnswer.self, from: body)) ?? AssumeRoleAnswer()
        guard response.head.status.code == 200 else {
            throw OSSClientError.server(status: response.head.status.code, code: answer.code ?? "HTTP\(response.head.status.code)",
                                        message: answer.message ?? "", requestId: answer.requestId ?? "", ec: nil)
        }
        guard let keys = answer.credentials,
            let id = keys.accessKeyId, let secret = keys.accessKeySecret,
            let token = keys.securityToken, let expirationText = keys.expiration,
            let expiration = Timestamps.parseISO8601(expirationText)
        else { throw OSSClientError.invalidResponse("AssumeRole answer without credentials") }
        return AssumedRole(
            credentials: Credentials(accessKeyId: id, accessKeySecret: secret, securityToken: token,
                                     expiration: Date(timeIntervalSince1970: TimeInterval(expiration))),
            arn: answer.assumedRoleUser?.arn ?? "", assumedRoleId: answer.assumedRoleUser?.assumedRoleId ?? "",
            expiration: expirationText, requestId: answer.requestId ?? "")
    }
}

/// STS's JSON answer to AssumeRole, or its error document; every field optional so that a partial answer is
/// reported as such rather than as a decoding failure.
private struct AssumeRoleAnswer: Decodable {
    struct Keys: Decodable {
        var accessKeyId: String?
        var accessKeySecret: String?
        var securityToken: String?
        var expiration: String?

        enum CodingKeys: String, CodingKey {
            case accessKeyId = "AccessKeyId", accessKeySecret = "AccessKeySecret", securityToken = "SecurityToken"
            case expiration = "Expiration"
        }
    }
    struct User: Decodable {
        var arn: String?
        var assumedRoleId: String?

        enum CodingKeys: String, CodingKey {
            case arn = "Arn", assumedRoleId = "AssumedRoleId"
        }
    }
    var requestId: String?
    var code: String?
    var message: String?
    var credentials: Keys?
    var assumedRoleUser: User?

    enum CodingKeys: String, CodingKey {
        case requestId = "RequestId", code = "Code", message = "Message", credentials = "Credentials"
        case assumedRoleUser = "AssumedRoleUser"
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
