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
/// Hand-rolled because every request with a session token decodes one.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((chunk >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int((chunk >> 18) & 63)])
            out.append(alphabet[Int((chunk >> 12) & 63)])
            if rest == 2 { out.append(alphabet[Int((chunk >> 6) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(input.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in input {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero padding, or the same token would have two spellings.
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
