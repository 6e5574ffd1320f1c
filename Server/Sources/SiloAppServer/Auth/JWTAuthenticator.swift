import Foundation
import JWTKit

/// Verifies bearer JWTs from the app's own identity provider with jwt-kit, and reads the uid from a
/// configured claim.
public struct JWTAuthenticator: Sendable {
    let keys: JWTKeyCollection
    let uidClaim: String
    let issuer: String?
    let audience: String?

    public init(keys: JWTKeyCollection, uidClaim: String = "sub", issuer: String? = nil, audience: String? = nil) {
        self.keys = keys
        self.uidClaim = uidClaim
        self.issuer = issuer
        self.audience = audience
    }

    /// Keys from the configured file: a shared secret (HS256), a PEM public key (RS256, ES256), or a JWKS document.
    public static func make(_ settings: AppServerConfiguration.JWT) async throws -> JWTAuthenticator {
        let keys = JWTKeyCollection()
        if let path = settings.jwksFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(field: "auth.jwt.jwks_file", "cannot read \(path)")
            }
            do {
                try await keys.add(jwksJSON: String(decoding: data, as: UTF8.self))
            } catch {
                throw ConfigurationError(field: "auth.jwt.jwks_file", "not a usable JWKS document: \(error)")
            }
        } else if let path = settings.keyFile, let algorithm = settings.algorithm {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(field: "auth.jwt.key_file", "cannot read \(path)")
            }
            do {
                switch algorithm {
                case .hs256:
                    let secret = Data(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
                    guard secret.count >= 32 else {
                        throw ConfigurationError(field: "auth.jwt.key_file", "an HS256 secret needs at least 32 bytes")
                    }
                    await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
                case .rs256:
                    await keys.add(rsa: try Insecure.RSA.PublicKey(pem: String(decoding: data, as: UTF8.self)), digestAlgorithm: .sha256)
                case .es256:
                    await keys.add(ecdsa: try ES256PublicKey(pem: String(decoding: data, as: UTF8.self)))
                }
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError(field: "auth.jwt.key_file", "not a usable \(algorithm.rawValue) key: \(error)")
            }
        }
        return JWTAuthenticator(keys: keys, uidClaim: settings.uidClaim, issuer: settings.issuer, audience: settings.audience)
    }

    /// The user a valid, unexpired token names; nil for anything else.
    public func user(forToken token: String) async -> AppUser? {
        guard let claims = try? await keys.verify(token, as: Claims.self) else { return nil }
        if let issuer, claims.issuer != issuer { return nil }
        if let audience, !claims.audiences.contains(audience) { return nil }
        guard let uid = claims.strings[uidClaim], AppUser.isValidUID(uid) else { return nil }
        return AppUser(uid: uid)
    }

    /// Any claims, kept by name; `exp` is mandatory and checked, `nbf` checked when present.
    struct Claims: JWTPayload {
        var strings: [String: String] = [:]
        var expiration: ExpirationClaim
        var notBefore: NotBeforeClaim?
        var issuer: String?
        var audiences: [String] = []

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            expiration = try container.decode(ExpirationClaim.self, forKey: Key(stringValue: "exp"))
            notBefore = try container.decodeIfPresent(NotBeforeClaim.self, forKey: Key(stringValue: "nbf"))
            for key in container.allKeys {
                if let text = try? container.decode(String.self, forKey: key) {
                    strings[key.stringValue] = text
                } else if let number = try? container.decode(Int64.self, forKey: key) {
                    strings[key.stringValue] = String(number)
                }
            }
            issuer = strings["iss"]
            if let audience = strings["aud"] {
                audiences = [audience]
            } else if let list = try? container.decode([String].self, forKey: Key(stringValue: "aud")) {
                audiences = list
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (name, value) in strings { try container.encode(value, forKey: Key(stringValue: name)) }
            try container.encode(expiration, forKey: Key(stringValue: "exp"))
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try expiration.verifyNotExpired()
            try notBefore?.verifyNotBefore()
        }
    }
}
