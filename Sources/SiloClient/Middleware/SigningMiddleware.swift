import Foundation
import HTTPTypes
import SiloCore

/// Signs each attempt with the provider's current credentials and the skew-corrected clock. When the server
/// says the credentials expired, it invalidates them so the retry fetches new ones.
struct SigningMiddleware: ClientMiddleware {
    let provider: any CredentialsProvider
    let version: SignatureVersion
    let region: String
    let clock: SkewCorrectedClock

    func handle(_ request: ClientRequest, next: Handler) async throws -> TransportResponse {
        let credentials = try await provider.credentials()
        var request = request
        if request.headers[.contentType] == nil, request.body.length != 0 {
            // A body goes out with a Content-Type whatever the caller set: URLSession invents one (and
            // FoundationNetworking sends an empty one when told not to). Choosing it here, before signing, keeps
            // the signed headers what the transport sends (V4 signs Content-Type whenever it is present).
            request.headers[.contentType] = "application/octet-stream"
        }
        var signing = SigningRequest(method: request.method.rawValue, bucket: request.bucket, key: request.key,
                                     query: request.query, headers: request.headers)
        RequestSigner.sign(&signing, key: credentials.signingKey, version: version, region: region, now: clock.now())
        var signed = request
        signed.headers = signing.headers
        do {
            return try await next(signed)
        } catch let error as OSSClientError {
            if ["SecurityTokenExpired", "InvalidSecurityToken", "InvalidAccessKeyId"].contains(error.code ?? "") {
                await provider.invalidate(credentials)
            }
            if error.code == "RequestTimeTooSkewed" { await provider.adoptServerClock(offset: TimeInterval(clock.offset)) }
            throw error
        }
    }
}

/// The server's time as best known: the local clock plus the offset learnt from a RequestTimeTooSkewed answer.
final class SkewCorrectedClock: Sendable {
    private let offsetSeconds = Locked<Int64>(0)

    func now() -> Int64 { Int64(Date().timeIntervalSince1970) + offsetSeconds.current }

    /// Seconds the server's clock is ahead of this device's.
    var offset: Int64 { offsetSeconds.current }

    /// Adopts the server's clock from its `Date` header.
    func correct(serverDate: String) {
        guard let server = Timestamps.parseRFC1123(serverDate) else { return }
        offsetSeconds.withLock { $0 = server - Int64(Date().timeIntervalSince1970) }
    }
}
