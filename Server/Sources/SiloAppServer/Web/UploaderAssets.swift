import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The uploader app (`/app/`): a mobile web page the app server serves, written in plain HTML, CSS and JavaScript
/// (no framework, no CDN). Its files live in this module as Swift string literals, so the single `silo` binary
/// carries them wherever it is installed (no resource bundle to lose).
enum UploaderAssets {
    struct Asset: Sendable {
        let contentType: String
        let body: ByteBuffer
    }

    static let files: [String: Asset] = [
        "index.html": Asset(contentType: "text/html; charset=utf-8", body: ByteBuffer(string: page)),
        "uploader.js": Asset(contentType: "text/javascript; charset=utf-8", body: ByteBuffer(string: script)),
        "oss-signer.js": Asset(contentType: "text/javascript; charset=utf-8", body: ByteBuffer(string: signer)),
        "app.css": Asset(contentType: "text/css; charset=utf-8", body: ByteBuffer(string: style)),
    ]

    /// Only this server's own files run, and the page talks only to this server and to the storage endpoint.
    static func securityPolicy(storageOrigin: String) -> String {
        [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' \(storageOrigin) data: blob:",
            "connect-src 'self' \(storageOrigin)", "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'",
        ].joined(separator: "; ")
    }

    static func origin(of url: URL) -> String {
        var origin = (url.scheme ?? "http") + "://" + (url.host ?? "")
        if let port = url.port { origin += ":\(port)" }
        return origin
    }

    static func response(_ name: String, storage: URL) -> Response? {
        guard let asset = files[name] else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("Content-Security-Policy")!] = securityPolicy(storageOrigin: origin(of: storage))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
