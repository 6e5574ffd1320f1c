import Foundation
import HTTPTypes
import SiloCore

extension Bucket {
    /// A URL that lets anyone holding it perform one request until it expires. The lifetime is capped by
    /// the credentials' own expiry: a URL cannot outlive the token that signed it.
    ///
    /// - Parameters:
    ///   - key: the object's name.
    ///   - method: the request the URL allows (GET to download, PUT to upload).
    ///   - expiresIn: how long the URL works, at most as long as the signing credentials.
    ///   - headers: headers the request must carry, such as `Content-Type` for a PUT (V1 signs it).
    ///   - query: sub-resources to sign, such as `x-oss-process`.
    ///   - version: the signature version; the client's by default.
    public func presignedURL(_ key: String, method: HTTPRequest.Method = .get, expiresIn: Duration = .seconds(3600),
                             headers: [String: String] = [:], query: [String: String] = [:],
                             version: SignatureVersion? = nil) async throws -> URL {
        try Self.validate(key: key)
        let credentials = try await client.credentials.credentials()
        let now = client.clock.now()
        var lifetime = expiresIn.components.seconds
        if let expiration = credentials.expiration {
            lifetime = min(lifetime, Int64(expiration.timeIntervalSince1970) - now)
        }
        guard lifetime > 0 else { throw OSSClientError.credentials("the credentials have expired") }
        var parameters = QueryParameters()
        for (name, value) in query.sorted(by: { $0.key < $1.key }) { parameters.append(name, value) }
        var fields = HTTPFields()
        for (name, value) in headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        let signing = SigningRequest(method: method.rawValue, bucket: name, key: key, query: parameters, headers: fields)
        let added = RequestSigner.presign(signing, key: credentials.signingKey,
                                          version: version ?? client.configuration.signatureVersion,
                                          region: client.region, now: now, expiresIn: lifetime)
        for item in added { parameters.append(item.name, item.value) }
        let address = client.url(bucket: name, key: key, query: parameters)
        guard let url = URL(string: address.scheme + "://" + address.authority + address.path) else {
            throw OSSClientError.invalidArgument("cannot form a URL for \(key)")
        }
        return url
    }
}
