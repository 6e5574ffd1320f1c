import Crypto
import Foundation

/// What an STS SecurityToken carries: everything needed to check a request, so any node verifies it without a
/// database read. Sealed with AES-GCM under a token key named in the clear, so keys can rotate.
public struct SessionClaims: Sendable, Hashable {
    public var accessKeyId: String
    public var secret: String
    public var issuedAt: Int64
    public var expiration: Int64
    public var accountId: String
    public var roleName: String
    public var roleId: String
    public var sessionName: String
    public var sessionPolicy: String?
    /// Who called AssumeRole.
    public var callerArn: String

    public init(accessKeyId: String, secret: String, issuedAt: Int64, expiration: Int64, accountId: String,
                roleName: String, roleId: String, sessionName: String, sessionPolicy: String?, callerArn: String) {
        self.accessKeyId = accessKeyId
        self.secret = secret
        self.issuedAt = issuedAt
        self.expiration = expiration
        self.accountId = accountId
        self.roleName = roleName
        self.roleId = roleId
        self.sessionName = sessionName
        self.sessionPolicy = sessionPolicy
        self.callerArn = callerArn
    }

    var roleArn: String { "acs:ram::\(accountId):role/\(roleName)" }

    public var session: RoleSession {
        RoleSession(accessKeyId: accessKeyId, roleName: roleName, roleId: roleId, roleArn: roleArn,
                    sessionName: sessionName, expiration: expiration, sessionPolicy: sessionPolicy)
    }

    // Length-prefixed fields in a fixed order: compact (tokens travel in headers and URLs) and quick to read.
    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        func string(_ value: String) {
            let bytes = Array(value.utf8)
            out.append(UInt8(bytes.count >> 8))
            out.append(UInt8(bytes.count & 0xFF))
            out.append(contentsOf: bytes)
        }
        func integer(_ value: Int64) {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> Int64(shift))) }
        }
        string(accessKeyId)
        string(secret)
        integer(issuedAt)
        integer(expiration)
        string(accountId)
        string(roleName)
        string(roleId)
        string(sessionName)
        string(sessionPolicy ?? "")
        string(callerArn)
        return out
    }

    init?(decoding bytes: [UInt8]) {
        var index = 0
        func string() -> String? {
            guard index + 2 <= bytes.count else { return nil }
            let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            index += 2
            guard index + length <= bytes.count else { return nil }
            defer { index += length }
            return String(validating: bytes[index..<(index + length)], as: UTF8.self)
        }
        func integer() -> Int64? {
            guard index + 8 <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<(index + 8)] { value = value << 8 | Int64(byte) }
            index += 8
            return value
        }
        guard let accessKeyId = string(), let secret = string(), let issuedAt = integer(), let expiration = integer(),
            let accountId = string(), let roleName = string(), let roleId = string(), let sessionName = string(),
            let policy = string(), let callerArn = string(), index == bytes.count
        else { return nil }
        self.init(accessKeyId: accessKeyId, secret: secret, issuedAt: issuedAt, expiration: expiration,
                  accountId: accountId, roleName: roleName, roleId: roleId, sessionName: sessionName,
                  sessionPolicy: policy.isEmpty ? nil : policy, callerArn: callerArn)
    }
}

/// Seals and opens tokens: `base64url(version ‖ keyIdLength ‖ keyId ‖ AES-GCM(nonce ‖ claims ‖ tag))`.
public struct TokenKeyring: Sendable {
    static let version: UInt8 = 1
    public let currentKeyId: String
    let keys: [String: SymmetricKey]

    public init(keys: [String: SymmetricKey], currentKeyId: String) {
        self.keys = keys
        self.currentKeyId = currentKeyId
    }

    public func seal(_ claims: SessionClaims) throws -> String {
        let keyId = Array(currentKeyId.utf8)
        let header = [Self.version, UInt8(keyId.count)] + keyId
        let box = try AES.GCM.seal(claims.encoded(), using: keys[currentKeyId]!, authenticating: header)
        return Base64URL.encode(header + Array(box.combined!))
    }

    public enum OpenError: Error, Sendable { case malformed, unknownKey, forged }

    public func open(_ token: String) throws(OpenError) -> SessionClaims {
        guard let bytes = Base64URL.decode(token), bytes.count > 2, bytes[0] == Self.version else { throw .malformed }
        let keyIdLength = Int(bytes[1])
        guard bytes.count > 2 + keyIdLength + 28 else { throw .malformed }
        let header = Array(bytes[0..<(2 + keyIdLength)])
        guard let keyId = String(validating: bytes[2..<(2 + keyIdLength)], as: UTF8.self) else { throw .malformed }
        guard let key = keys[keyId] else { throw .unknownKey }
        guard let box = try? AES.GCM.SealedBox(combined: bytes[(2 + keyIdLength)...]),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: header),
            let claims = SessionClaims(decoding: Array(plaintext))
        else { throw .forged }
        return claims
    }
}

/// Base64 with the URL alphabet and no padding: tokens then survive headers and query strings unchanged.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
        }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
