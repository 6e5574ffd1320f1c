import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SiloCore

/// Calls the admin API, V4-signed (by SiloCore's `RequestSigner`) with bucket `-` and key `admin/v1/<path>`.
struct AdminClient {
    let endpoint: URL
    let accessKeyId: String
    let secret: String
    let region: String

    struct Failure: Error, CustomStringConvertible {
        let status: Int
        let code: String
        let message: String
        var description: String { "\(code) (\(status)): \(message)" }
    }

    func call(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Data {
        let key = "admin/v1/" + path
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) } ?? Data()
        var signing = SigningRequest(method: method, bucket: "-", key: key)
        if body != nil { signing.headers[.contentType] = "application/json" }
        RequestSigner.sign(&signing, key: SigningKey(accessKeyId: accessKeyId, accessKeySecret: secret), version: .v4,
                           region: region, now: Int64(Date().timeIntervalSince1970))

        let path = "/-/" + PercentEncoding.encode(key, keepSlash: true)
        guard let url = URL(string: endpoint.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            throw Failure(status: 0, code: "InvalidEndpoint", message: "cannot form a URL from \(endpoint)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        for field in signing.headers { request.setValue(field.value, forHTTPHeaderField: field.name.rawName) }
        if body != nil { request.httpBody = payload }
        let (data, response) = try await send(request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let xmlCode = String(decoding: data, as: UTF8.self).components(separatedBy: "<Code>").dropFirst().first?
                .components(separatedBy: "</Code>").first
            throw Failure(status: status, code: object?["code"] as? String ?? xmlCode ?? "HTTP\(status)",
                          message: object?["message"] as? String ?? String(decoding: data, as: UTF8.self))
        }
        return data
    }

    private func send(_ request: URLRequest) async throws -> (Data, URLResponse?) {
        try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: (data ?? Data(), response))
                }
            }.resume()
        }
    }
}
