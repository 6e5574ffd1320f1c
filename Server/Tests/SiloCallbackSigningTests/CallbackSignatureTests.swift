import Foundation
@testable import SiloCallbackSigning
import Testing

import SiloCore

/// MD5-with-RSA callback signatures, byte-exact with OpenSSL: the expected value was produced by
/// `openssl dgst -md5 -sign key.pem` over the spec §13.4 string, and OpenSSL verifies what Silo signs.
@Suite struct CallbackSignatureTests {
    static let privateKey = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCJMPStvkE30OZ0
iSxyxxFnUQUF1lQNE35xJhBItSpvJRiSQyuL/ih6j9TL8X8/v+oYX2JaOfMhgeFO
9i5RB/UJDTI+1SN07NKPCLRpE+yQBvrHLWaZTKQeKoFyICCZoZhtkrmsUIIRqekO
qAU8B0wzQJrOp0UrWSpL2TKjZNSIF8FV7Zi2DO7IptobXDKR4SrT1s7pEyYrJn+L
CIAuvMPnr1z54F3OMqP7ltCnLcR9TWhWmzz/lZoiyXb98gPo2e7VGpV3j9j6ja0/
dUcfVUWz4F/xAgjpvbCtlE8DmYlbt80SI7uasI7YoP6sWGTIAZTYPKAeGhQD7eOu
vC9xpWKJAgMBAAECggEADaE2fdhsBE6VxrgmGVUbrocHF7hea1oncrhUX9TX3Wjz
EvznY6YhgWOuwYBBoyS+7iLz04D0XbzYlI6ytUw0FO0hs8pbFm+8z4cO3W2kT/7R
hV5GVi6eE30nlR4J/xll2mT8W1k4Qub9h3473uXetSzS9Hr7zT2zjQuME12eG9MT
GmMDEGhMrbh3qmSe+gULdk4FdjDP5ljRtYUd/9lMgm4I6x/lOuk3mMlQqTgH/3F5
Bak/dqOiE6p815aZaP+d8zd1la1ywg1jWGxZJ9hMzhCLcmQQ+1RdrD6ghPY2Vmdy
nKs1Qb+q8RWXqduelaHDf105Ks/z9O7fa1f2xdDyAQKBgQDA4RDPm3I+Nmy5zf5U
TvJ9IA9wW6ovpPVVhG9HG/LbTTuFlAittGR6DM+YvzZ+QGwcfB0+wwj8FStWJnQ9
uMe5ZeHWYz0fgbUJjixbwgU4Kf/PxGN9Nl7kc3Z6BrxPqdluqe1LQ0nXEsKIlOvW
v16RN7tODI83zzpoQVwLnZArwQKBgQC2Fn6Z3c3g5G93M128WBWpwbe63OaAhj4O
7BrfoEhhek7odKIpe7qkXnv8PVZqZEwvEUBqhd+rGFRO62iAzqPOOyX/3sVHvpc8
4hcy1lDaXxXbvwUIhR5a94oLa44bCrJU91ZoSGyMknWSEXnTsgtwGbvYJErcA4VZ
IiUec1UIyQKBgQCbp8ZiVMeAj3l1BVm/firRccMj4MXaR1y6E/Odxl9aPdzQMyRB
0rfXi2kpkv6OKr1Uy5DqaolgrlDX6JacjPeZljAITPQx7gJE4NjJgC2oIrTQXmQP
04YHBWtSlQb5n0/asAXRXE9F41zczpn5J11RAlIFbbtSxckUA9MdiJ2lwQKBgAQp
e3dU5JHRZuLYn7ngYY5hyStSRUqGxwBcUTjvVvgzbX5OvC4qj9eV+UuIs2L3K+6f
fFNy/+vPQI4VP2xCTOg33eR9WREMwDQ6DsGwuGRlbAB720eYk1sM8XDVYogntG/Q
v37euOx1pI5UK+600SIc1HhaTAO/aNritup9RGJRAoGANxTkh4afmIuhd7as2cls
D87GC15/7t8Rw8+ObpFOFjz8oQfKClZuNR3J61vzbAS0mzqhkWw4HrliJt6oOeAY
XjcKnzznxVsZPFqv6dIgVsOIPyVpoHg/Eq9ouEvqBcSTykI4hMaEZRrWBYwQFsH9
YJQwabaepU/98UlPXtvlbb4=
-----END PRIVATE KEY-----
"""
    static let publicKey = """
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAiTD0rb5BN9DmdIkscscR
Z1EFBdZUDRN+cSYQSLUqbyUYkkMri/4oeo/Uy/F/P7/qGF9iWjnzIYHhTvYuUQf1
CQ0yPtUjdOzSjwi0aRPskAb6xy1mmUykHiqBciAgmaGYbZK5rFCCEanpDqgFPAdM
M0CazqdFK1kqS9kyo2TUiBfBVe2YtgzuyKbaG1wykeEq09bO6RMmKyZ/iwiALrzD
569c+eBdzjKj+5bQpy3EfU1oVps8/5WaIsl2/fID6Nnu1RqVd4/Y+o2tP3VHH1VF
s+Bf8QII6b2wrZRPA5mJW7fNEiO7mrCO2KD+rFhkyAGU2DygHhoUA+3jrrwvcaVi
iQIDAQAB
-----END PUBLIC KEY-----
"""
    static let message = "/index.php?id=1&index=2\nbucket=yonghu-test"
    static let opensslSignature = "GKxmnjoE1wvRW/uV0UMeTSvQj5oENcedrnJlUy07QGoAfHEI0Y2CMgHAzIqhvSJGfqcyRZCG/x+HZbOAtRb9KkpmxO0keTrvtkeq9lxtxwfjWtOc/Zep7jN+yLL4s4Fj6o63o45vlLrFaq7enZwIAGomGeK4is0AD1k443TXc6Bzb44MlLLfIV5yOKJYOffgqdxjajrHcAKoL+GDxvKn+e7YcxYPMJWGWRdtS/7QMpThajPYqob+Ytq6KPXfZ0wZqHarjDE1B0rdQ4ntgNs1bTVc43qKZ3PxAwRI0NkhmI4eVS8dJkq8jcw+hq4lFDvrhf50IKXABISHRCzAJzUbVQ=="

    @Test func signsExactlyAsOpenSSL() throws {
        let signer = try CallbackSigner(pemRepresentation: Self.privateKey)
        #expect(try signer.sign(Self.message) == Self.opensslSignature)
        #expect(signer.publicKeyPEM.trimmingCharacters(in: .whitespacesAndNewlines)
                == Self.publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func verifiesAndRejects() throws {
        #expect(CallbackSignatureVerifier.isValid(signature: Self.opensslSignature, stringToSign: Self.message,
                                                  publicKeyPEM: Self.publicKey))
        #expect(!CallbackSignatureVerifier.isValid(signature: Self.opensslSignature, stringToSign: Self.message + "x",
                                                   publicKeyPEM: Self.publicKey))
        var tampered = Data(base64Encoded: Self.opensslSignature)!
        tampered[10] ^= 1
        #expect(!CallbackSignatureVerifier.isValid(signature: tampered.base64EncodedString(), stringToSign: Self.message,
                                                   publicKeyPEM: Self.publicKey))
        #expect(!CallbackSignatureVerifier.isValid(signature: "not base64", stringToSign: Self.message, publicKeyPEM: Self.publicKey))
    }

    @Test func generatedKeysRoundTrip() throws {
        let (signer, pem) = try CallbackSigner.generate()
        let again = try CallbackSigner(pemRepresentation: pem)
        let signature = try again.sign("/cb\nbody=1")
        #expect(try signer.sign("/cb\nbody=1") == signature)
        #expect(CallbackSignatureVerifier.isValid(signature: signature, stringToSign: "/cb\nbody=1", publicKeyPEM: signer.publicKeyPEM))
        let other = try CallbackSigner.generate().signer
        #expect(!CallbackSignatureVerifier.isValid(signature: signature, stringToSign: "/cb\nbody=1", publicKeyPEM: other.publicKeyPEM))
    }
}
