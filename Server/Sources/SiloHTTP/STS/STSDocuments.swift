import SiloAuditLog
import Foundation
import HTTPTypes
import Hummingbird
import SiloCore
import SiloIAM

/// STS responses in the JSON (default) or XML shapes clients parse (spec §15.5, §15.6).
enum STSDocuments {
    /// An ordered tree, rendered as either format.
    indirect enum Node {
        case text(String)
        case object([(String, Node)])
    }

    static func assumeRole(_ assumed: AssumedRole) -> Node {
        .object([
            ("AssumedRoleUser", .object([("Arn", .text(assumed.arn)), ("AssumedRoleId", .text(assumed.assumedRoleId))])),
            ("Credentials", .object([
                ("AccessKeyId", .text(assumed.accessKeyId)), ("AccessKeySecret", .text(assumed.accessKeySecret)),
                ("SecurityToken", .text(assumed.securityToken)),
                ("Expiration", .text(Timestamps.iso8601NoFraction(unixSeconds: assumed.expiration))),
            ])),
        ])
    }

    static func callerIdentity(_ identity: IAMService.CallerIdentity) -> Node {
        var fields: [(String, Node)] = [
            ("AccountId", .text(identity.accountId)), ("UserId", .text(identity.userId)), ("Arn", .text(identity.arn)),
            ("IdentityType", .text(identity.identityType)), ("PrincipalId", .text(identity.principalId)),
        ]
        if let role = identity.roleId { fields.append(("RoleId", .text(role))) }
        return .object(fields)
    }

    static func render(_ body: Node, requestId: String, xml: Bool, root: String? = nil, status: HTTPResponse.Status = .ok)
        -> Response
    {
        guard case .object(let fields) = body else { return Response(status: .internalServerError) }
        let document = Node.object([("RequestId", .text(requestId))] + fields)
        var buffer = ByteBuffer()
        var headers = HTTPFields()
        if xml {
            let writer = XMLWriter()
            write(document, name: root ?? inferRoot(fields), into: writer)
            buffer.writeBytes(writer.bytes)
            headers[.contentType] = "text/xml;charset=utf-8"
        } else {
            buffer.writeString(json(document))
            headers[.contentType] = "application/json;charset=utf-8"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    static func error(_ error: STSError, requestId: String, host: String, xml: Bool) -> Response {
        var fields: [(String, Node)] = [("HostId", .text(host)), ("Code", .text(error.code)), ("Message", .text(error.message))]
        if !xml { fields.append(("Recommend", .text("https://api.aliyun.com/troubleshoot?q=" + error.code))) }
        return render(.object(fields), requestId: requestId, xml: xml, root: "Error",
                      status: HTTPResponse.Status(code: error.status))
    }

    private static func inferRoot(_ fields: [(String, Node)]) -> String {
        fields.contains { $0.0 == "Credentials" } ? "AssumeRoleResponse" : "GetCallerIdentityResponse"
    }

    private static func write(_ node: Node, name: String, into writer: XMLWriter) {
        switch node {
        case .text(let value): writer.element(name, value)
        case .object(let fields):
            writer.element(name) {
                for (key, child) in fields { write(child, name: key, into: writer) }
            }
        }
    }

    static func json(_ node: Node) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        appendJSON(node, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendJSON(_ node: Node, to out: inout [UInt8]) {
        switch node {
        case .text(let value): JSONText.appendString(value, to: &out)
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, (key, child)) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendJSON(child, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
