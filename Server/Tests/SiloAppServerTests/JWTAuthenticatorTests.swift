import Crypto
import CryptoExtras
import Foundation
import JWTKit
import SiloCore
import Testing

@testable import SiloAppServer

@Suite struct JWTAuthenticatorTests {
    struct Payload: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iss: IssuerClaim?
        var aud: AudienceClaim?
        var user_id: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let secret = "an-hs256-secret-of-at-least-32-bytes!"

    static func payload(sub: String = "alice", expiresIn: TimeInterval = 600, iss: String? = nil, aud: String? = nil,
                        userId: String? = nil) -> Payload {
        Payload(sub: .init(value: sub), exp: .init(value: Date().addingTimeInterval(expiresIn)), iss: iss.map { .init(value: $0) },
                aud: aud.map { .init(value: [$0]) }, user_id: userId)
    }

    static func authenticator(_ algorithm: AppServerConfiguration.JWT.Algorithm?, key: String, file: String = "key",
                              jwks: Bool = false, configure: (inout AppServerConfiguration.JWT) -> Void = { _ in }) async throws
        -> JWTAuthenticator {
        let path = Fixtures.temporaryDirectory() + "/" + file
        try key.write(toFile: path, atomically: true, encoding: .utf8)
        var settings = jwks ? AppServerConfiguration.JWT(jwksFile: path) : AppServerConfiguration.JWT(algorithm: algorithm, keyFile: path)
        configure(&settings)
        return try await JWTAuthenticator.make(settings)
    }

    @Test func hs256() async throws {
        let signer = JWTKeyCollection()
        await signer.add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
        let authenticator = try await Self.authenticator(.hs256, key: Self.secret + "\n")
        #expect(await authenticator.user(forToken: try await signer.sign(Self.payload())) == AppUser(uid: "alice"))
        #expect(await authenticator.user(forToken: try await signer.sign(Self.payload(expiresIn: -60))) == nil)
        #expect(await authenticator.user(forToken: try await signer.sign(Self.payload(sub: "a/b"))) == nil)

        let other = JWTKeyCollection()
        await other.add(hmac: HMACKey(from: Self.secret + "x"), digestAlgorithm: .sha256)
        #expect(await authenticator.user(forToken: try await other.sign(Self.payload())) == nil)

        // alg "none" with the same claims: never accepted.
        let claims = Base64URL.encode(#"{"sub":"alice","exp":\#(Int(Date().timeIntervalSince1970) + 600)}"#)
        #expect(await authenticator.user(forToken: Base64URL.encode(#"{"alg":"none","typ":"JWT"}"#) + "." + claims + ".") == nil)
        #expect(await authenticator.user(forToken: "not.a.jwt") == nil)
    }

    @Test func shortHMACSecretsAreRefused() async {
        await #expect(throws: ConfigurationError.self) { _ = try await Self.authenticator(.hs256, key: "short") }
    }

    @Test func rs256WithIssuerAudienceAndACustomClaim() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let signer = JWTKeyCollection()
        await signer.add(rsa: try Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256)
        let authenticator = try await Self.authenticator(.rs256, key: key.publicKey.pemRepresentation) {
            $0.uidClaim = "user_id"
            $0.issuer = "https://id.example.com"
            $0.audience = "photo-app"
        }
        let good = Self.payload(sub: "ignored", iss: "https://id.example.com", aud: "photo-app", userId: "u-42")
        #expect(await authenticator.user(forToken: try await signer.sign(good)) == AppUser(uid: "u-42"))
        var wrongIssuer = good
        wrongIssuer.iss = .init(value: "https://evil.example.com")
        #expect(await authenticator.user(forToken: try await signer.sign(wrongIssuer)) == nil)
        var wrongAudience = good
        wrongAudience.aud = .init(value: ["other-app"])
        #expect(await authenticator.user(forToken: try await signer.sign(wrongAudience)) == nil)
        var noClaim = good
        noClaim.user_id = nil
        #expect(await authenticator.user(forToken: try await signer.sign(noClaim)) == nil)
    }

    @Test func es256() async throws {
        let key = P256.Signing.PrivateKey()
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: try ES256PrivateKey(backing: key))
        let authenticator = try await Self.authenticator(.es256, key: key.publicKey.pemRepresentation)
        #expect(await authenticator.user(forToken: try await signer.sign(Self.payload(sub: "bob"))) == AppUser(uid: "bob"))
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: try ES256PrivateKey(backing: P256.Signing.PrivateKey()))
        #expect(await authenticator.user(forToken: try await stranger.sign(Self.payload(sub: "bob"))) == nil)
    }

    @Test func jwksPicksTheKeyByKid() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try key.publicKey.getKeyPrimitives()
        let jwks = #"{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"k1","n":"\#(Base64URL.encode(primitives.modulus))","e":"\#(Base64URL.encode(primitives.publicExponent))"}]}"#
        let signer = JWTKeyCollection()
        await signer.add(rsa: try Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256, kid: "k1")
        let authenticator = try await Self.authenticator(nil, key: jwks, file: "jwks.json", jwks: true)
        #expect(await authenticator.user(forToken: try await signer.sign(Self.payload(sub: "carol"), kid: "k1")) == AppUser(uid: "carol"))
        await #expect(throws: ConfigurationError.self) { _ = try await Self.authenticator(nil, key: "{}x", file: "bad.json", jwks: true) }
    }
}
