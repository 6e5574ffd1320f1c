import Foundation
import HTTPTypes

/// Decides who is calling: a built-in session token or a JWT, from `Authorization: Bearer …` or, for the
/// mobile SDKs' auth-server provider that cannot add headers, an `access_token` query parameter.
public struct AppAuthenticator: Sendable {
    public let accounts: AccountStore?
    public let jwt: JWTAuthenticator?

    public init(accounts: AccountStore?, jwt: JWTAuthenticator?) {
        self.accounts = accounts
        self.jwt = jwt
    }

    public static func bearer(headers: HTTPFields, query: [String: String]) -> String? {
        if let header = headers[.authorization] {
            // On UTF-8 bytes: every token request passes here, and Character-wise splitting and trimming cost
            // more than the session lookup.
            let bytes = header.utf8
            guard let space = bytes.firstIndex(of: UInt8(ascii: " ")),
                  header.utf8[..<space].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 })
            else { return nil }
            let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            let rest = bytes[bytes.index(after: space)...]
            guard let first = rest.firstIndex(where: { !isBlank($0) }), let last = rest.lastIndex(where: { !isBlank($0) })
            else { return nil }
            return String(Substring(header.utf8[first...last]))
        }
        return query["access_token"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public func authenticate(headers: HTTPFields, query: [String: String]) async throws -> AppUser {
        guard let token = Self.bearer(headers: headers, query: query) else {
            throw AppFailure.signInRequired
        }
        if token.hasPrefix(AccountStore.tokenPrefix) {
            if let accounts, let user = try await accounts.user(forSession: token) { return user }
        } else if let jwt, let user = await jwt.user(forToken: token) {
            return user
        }
        throw AppFailure.invalidBearerToken
    }
}
