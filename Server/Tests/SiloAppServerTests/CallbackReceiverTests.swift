import Foundation
import NIOConcurrencyHelpers
import SiloCore
import Testing

@testable import SiloAppServer

/// The receiver against callbacks signed exactly as the storage service signs them (SiloCore's signer).
@Suite struct CallbackReceiverTests {
    static let keyURL = "http://127.0.0.1:9000/-/callback/public-key.pem"
    let signer: CallbackSigner
    let fetches = NIOLockedValueBox(0)

    init() throws {
        signer = try CallbackSigner.generate().signer
    }

    func receiver(database: AppDatabase? = nil) throws -> (CallbackReceiver, UploadCatalog) {
        let catalog = UploadCatalog(database: try database ?? AppDatabase(path: Fixtures.temporaryDirectory() + "/c.sqlite"))
        let pem = signer.publicKeyPEM
        let fetches = self.fetches
        let keys = PublicKeyCache(allowedPrefixes: ["http://127.0.0.1:9000/-/callback/"]) { _ in
            fetches.withLockedValue { $0 += 1 }
            return pem
        }
        let templates = [PolicyTemplate(actions: ["oss:PutObject"], resources: ["users/${uid}/*"])]
        return (CallbackReceiver(keys: keys, catalog: catalog, storage: StorageStub(), bucket: "demo", templates: templates,
                                 clock: { 1_000 }), catalog)
    }

    func sign(_ body: String, path: String = "/v1/callback", query: String? = nil) throws -> String {
        try signer.sign(CallbackStringToSign.make(path: path, rawQuery: query, body: body))
    }

    /// What storage holds; the callback bodies below may claim otherwise.
    struct StorageStub: StoredObjectLookup {
        func lookup(bucket: String, key: String) async throws -> StoredObject? {
            switch (bucket, key) {
            case ("demo", "users/alice/cat.jpg"):
                return StoredObject(size: 5428, etag: "ABC", contentType: "image/jpeg",
                                    image: ImageHeader(format: "jpg", width: 640, height: 480))
            case ("demo", "users/alice/notes.txt"):
                return StoredObject(size: 3, etag: "DEF", contentType: "text/plain")
            default:
                return nil
            }
        }
    }

    static let body = #"{"bucket":"demo","object":"users/alice/cat.jpg","etag":"ABC","size":5428,"mimeType":"image/jpeg","width":640,"height":480,"format":"jpg"}"#
    static let encodedKeyURL = Data(keyURL.utf8).base64EncodedString()

    @Test func recordsAVerifiedUpload() async throws {
        let (receiver, catalog) = try receiver()
        let upload = try await receiver.receive(path: "/v1/callback", rawQuery: "a=1", body: Data(Self.body.utf8),
                                                authorization: try sign(Self.body, query: "a=1"), publicKeyURL: Self.encodedKeyURL)
        #expect(upload == UploadCatalog.Upload(uid: "alice", bucket: "demo", key: "users/alice/cat.jpg", size: 5428, etag: "ABC",
                                               mimeType: "image/jpeg", width: 640, height: 480, uploadedAt: 1_000))
        #expect(try await catalog.uploads(of: "alice") == [upload])
        #expect(try await catalog.uploads(of: "bob").isEmpty)
        // A second callback uses the cached key.
        let form = "bucket=demo&object=users%2Falice%2Fnotes.txt&etag=DEF&size=3&mimeType=text%2Fplain&width=&height="
        _ = try await receiver.receive(path: "/v1/callback", rawQuery: nil, body: Data(form.utf8), authorization: try sign(form),
                                       publicKeyURL: Self.encodedKeyURL)
        #expect(fetches.withLockedValue { $0 } == 1)
        let notes = try #require(try await catalog.uploads(of: "alice").first { $0.key == "users/alice/notes.txt" })
        #expect(notes.width == nil && notes.size == 3 && notes.mimeType == "text/plain")
    }

    func refusal(_ body: String, authorization: String?, keyURL: String? = Self.encodedKeyURL, path: String = "/v1/callback")
        async throws -> String? {
        let (receiver, catalog) = try receiver()
        do {
            _ = try await receiver.receive(path: path, rawQuery: nil, body: Data(body.utf8), authorization: authorization,
                                           publicKeyURL: keyURL)
            return nil
        } catch {
            #expect(try await catalog.uploads(of: "alice").isEmpty)
            return error.code
        }
    }

    @Test func refusesForgeries() async throws {
        #expect(try await refusal(Self.body, authorization: nil) == "MissingCallbackSignature")
        let tampered = Self.body.replacingOccurrences(of: "5428", with: "1")
        #expect(try await refusal(tampered, authorization: try sign(Self.body)) == "InvalidCallbackSignature")
        #expect(try await refusal(Self.body, authorization: try sign(Self.body, path: "/other")) == "InvalidCallbackSignature")
        let stranger = try CallbackSigner.generate().signer
        let forged = try stranger.sign(CallbackStringToSign.make(path: "/v1/callback", rawQuery: nil, body: Self.body))
        #expect(try await refusal(Self.body, authorization: forged) == "InvalidCallbackSignature")
        // Not even a URL (a port that is not a number): refused before any allowlist check.
        #expect(try await refusal(Self.body, authorization: try sign(Self.body),
                                  keyURL: Data("http://127.0.0.1:9000.evil.com/-/callback/k.pem".utf8).base64EncodedString())
                == "InvalidPublicKeyURL")
        for url in ["http://evil.example.com/-/callback/public-key.pem", "http://127.0.0.1.evil.com/-/callback/public-key.pem",
                    "http://user@127.0.0.1:9000/-/callback/public-key.pem", "https://127.0.0.1:9000/-/callback/public-key.pem",
                    "http://127.0.0.1:9001/-/callback/public-key.pem", "http://127.0.0.1:9000/-/other.pem",
                    "http://127.0.0.1:9000/-/callback/../../x"] {
            #expect(try await refusal(Self.body, authorization: try sign(Self.body), keyURL: Data(url.utf8).base64EncodedString())
                    == "PublicKeyURLNotAllowed", "\(url)")
        }
    }

    @Test func believesStorageNotTheBody() async throws {
        let (receiver, catalog) = try receiver()
        // A template that lies about everything but the key: storage's facts are recorded.
        let lying = #"{"bucket":"demo","object":"users/alice/cat.jpg","etag":"FAKE","size":31337,"mimeType":"text/html","width":1,"height":1}"#
        let upload = try await receiver.receive(path: "/v1/callback", rawQuery: nil, body: Data(lying.utf8),
                                                authorization: try sign(lying), publicKeyURL: Self.encodedKeyURL)
        #expect(upload.size == 5428 && upload.etag == "ABC" && upload.mimeType == "image/jpeg")
        #expect(upload.width == 640 && upload.height == 480)
        // A key that storage does not have is planted nowhere.
        let planted = #"{"bucket":"demo","object":"users/bob/planted.jpg","etag":"X","size":1}"#
        #expect(try await refusal(planted, authorization: try sign(planted)) == "NoSuchObject")
        #expect(try await catalog.uploads(of: "bob").isEmpty)
    }

    @Test func refusesUploadsThatAreNotAUsers() async throws {
        let foreign = Self.body.replacingOccurrences(of: #""bucket":"demo""#, with: #""bucket":"other""#)
        #expect(try await refusal(foreign, authorization: try sign(foreign)) == "ForeignBucket")
        let shared = Self.body.replacingOccurrences(of: "users/alice/cat.jpg", with: "public/cat.jpg")
        #expect(try await refusal(shared, authorization: try sign(shared)) == "NotAUserKey")
    }
}

extension Error {
    var code: String { (self as? AppServerError)?.code ?? "\(self)" }
}
