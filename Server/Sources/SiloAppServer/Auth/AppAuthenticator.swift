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
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            let token = parts[1].trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
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
