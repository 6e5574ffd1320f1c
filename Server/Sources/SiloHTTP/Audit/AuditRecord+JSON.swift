import SiloAuditLog

/// The audit line, written by hand: Foundation's JSONEncoder cost a sixth of a small GET's throughput when every
/// request is recorded. The field names and types are `AuditRecord`'s Codable ones, so `silo audit query`
/// (and any JSON reader) decodes what this writes; absent fields are left out, as the encoder would.
extension AuditRecord: AuditLine {
    public func jsonLine() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func string(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONText.appendString(value, to: &out)
        }
        func number(_ name: String, _ value: Int64?) {
            guard let value else { return }
            key(name)
            out.append(contentsOf: String(value).utf8)
        }
        string("time", time)
        string("request_id", requestId)
        string("client_ip", clientIp)
        string("access_id", accessId)
        string("requester_id", requesterId)
        string("principal", principal)
        string("bucket", bucket)
        string("object", object)
        string("operation", operation)
        string("http_method", httpMethod)
        string("request_uri", requestUri)
        number("http_status", Int64(httpStatus))
        string("error_code", errorCode)
        number("content_length_in", contentLengthIn)
        number("content_length_out", contentLengthOut)
        number("object_size", objectSize)
        number("response_time", responseTime)
        number("server_cost_time", serverCostTime)
        string("sign_type", signType)
        string("sign_version", signVersion)
        string("user_agent", userAgent)
        string("referer", referer)
        string("host", host)
        string("policy_decision", policyDecision)
        string("deciding_statement", decidingStatement)
        string("callback_outcome", callbackOutcome)
        out.append(UInt8(ascii: "}"))
        out.append(0x0A)
        return out
    }
}
