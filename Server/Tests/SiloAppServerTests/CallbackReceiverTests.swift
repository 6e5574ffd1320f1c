import Foundation
import NIOConcurrencyHelpers
import SiloCallbackSigning
import SiloCore
import Testing

@testable import SiloAppServer

/// The receiver against callbacks signed exactly as the storage service signs them (SiloCore's signer and
/// attestation).
@Suite struct CallbackReceiverTests {
    static let keyURL = "http://127.0.0.1:9000/-/callback/public-key.pem"
    static let roleArn = "acs:ram::1234567890:role/mobile-uploader"
    static let parameters = CallbackParameters(url: URL(string: "http://127.0.0.1:9200/v1/callback")!, secret: "app-secret")
    let signer: CallbackSigner
    let fetches = NIOLockedValueBox(0)

    init() throws {
        signer = try CallbackSigner.generate().signer
    }

    func receiver(requireStorageFacts: Bool = true) throws -> (CallbackReceiver, UploadCatalog) {
        let catalog = UploadCatalog(database: try AppDatabase(path: Fixtures.temporaryDirectory() + "/c.sqlite"))
        let pem = signer.publicKeyPEM
        let fetches = self.fetches
        let keys = PublicKeyCache(allowedPrefixes: ["http://127.0.0.1:9000/-/callback/"]) { _ in
            fetches.withLockedValue { $0 += 1 }
            return pem
        }
        let templates = [PolicyTemplate(actions: ["oss:PutObject"], resources: ["users/${uid}/*"])]
        return (CallbackReceiver(keys: keys, catalog: catalog, storage: StorageStub(), bucket: "demo", templates: templates,
                                 roleArn: Self.roleArn, parameters: Self.parameters,
                                 requireStorageFacts: requireStorageFacts, clock: { 1_000 }), catalog)
    }

    static func session(_ name: String, role: String = roleArn) -> CallbackFacts.Uploader {
        CallbackFacts.Uploader(kind: "role-session", arn: role.replacingOccurrences(of: ":role/", with: ":assumed-role/") + "/" + name,
                               accessKeyId: "STS.x", roleArn: role, sessionName: name)
    }

    static func facts(_ key: String, uploader: CallbackFacts.Uploader = session("alice"), issuedAt: Int64 = 1_000,
                      bucket: String = "demo") -> CallbackFacts {
        CallbackFacts(bucket: bucket, object: key, etag: "ETAG-" + key, size: 5428, contentType: "image/jpeg", crc64: "1",
                      operation: "PutObject", requestId: "R", issuedAt: issuedAt, uploader: uploader,
                      image: CallbackFacts.Image(width: 640, height: 480, format: "jpg"))
    }

    /// A callback as storage sends it: the OSS signature over path?query\nbody, plus signed facts.
    func callback(_ body: String, facts: CallbackFacts?, path: String = "/v1/callback", query: String? = nil)
        throws -> CallbackReceiver.Headers {
        let stringToSign = CallbackStringToSign.make(path: path, rawQuery: query, body: body)
        var headers = CallbackReceiver.Headers(authorization: try signer.sign(stringToSign), publicKeyURL: Self.encodedKeyURL)
        if let facts {
            let attestation = try CallbackAttestation.headers(for: facts, stringToSign: stringToSign, signer: signer)
            headers.facts = attestation.facts
            headers.factsSignature = attestation.signature
        }
        return headers
    }

    /// What storage holds, for the mode without facts.
    struct StorageStub: StoredObjectLookup {
        func lookup(bucket: String, key: String) async throws -> StoredObject? {
            switch (bucket, key) {
            case ("demo", "users/alice/cat.jpg"):
                return StoredObject(size: 5428, etag: "ABC", contentType: "image/jpeg",
                                    image: ImageHeader(format: "jpg", width: 640, height: 480))
            case ("demo", "users/bob/private-photo.png"):
                return StoredObject(size: 99, etag: "BOB", contentType: "image/png")
            default:
                return nil
            }
        }
    }

    static let body = #"{"bucket":"demo","object":"users/alice/cat.jpg","etag":"ABC","size":5428,"mimeType":"image/jpeg"}"#
    static let encodedKeyURL = Data(keyURL.utf8).base64EncodedString()

    @Test func recordsWhatStorageAttests() async throws {
        let (receiver, catalog) = try receiver()
        let upload = try await receiver.receive(path: "/v1/callback", rawQuery: "a=1", body: Data(Self.body.utf8),
                                                headers: try callback(Self.body, facts: Self.facts("users/alice/cat.jpg"), query: "a=1"))
        #expect(upload == UploadCatalog.Upload(uid: "alice", bucket: "demo", key: "users/alice/cat.jpg", size: 5428,
                                               etag: "ETAG-users/alice/cat.jpg", mimeType: "image/jpeg", width: 640,
                                               height: 480, uploadedAt: 1_000))
        #expect(try await catalog.uploads(of: "alice") == [upload])
        _ = try await receiver.receive(path: "/v1/callback", rawQuery: nil, body: Data("x=1".utf8),
                                       headers: try callback("x=1", facts: Self.facts("users/alice/b.jpg")))
        #expect(fetches.withLockedValue { $0 } == 1, "the key is fetched once")
    }

    /// Issue 13, point 4: Alice uploads her decoy with a template naming Bob's photo.
    @Test func aTemplateNamingAnotherUsersObjectChangesNothing() async throws {
        let (receiver, catalog) = try receiver()
        let lying = #"{"bucket":"demo","object":"users/bob/private-photo.png","etag":"x","size":1,"mimeType":"image/png"}"#
        let upload = try await receiver.receive(path: "/v1/callback", rawQuery: nil, body: Data(lying.utf8),
                                                headers: try callback(lying, facts: Self.facts("users/alice/decoy.txt")))
        #expect(upload.key == "users/alice/decoy.txt" && upload.uid == "alice" && upload.etag == "ETAG-users/alice/decoy.txt")
        #expect(try await catalog.uploads(of: "bob").isEmpty)
    }

    func refusal(_ receiver: CallbackReceiver, _ catalog: UploadCatalog, body: String = "{}",
                 headers: CallbackReceiver.Headers, query: String? = nil) async throws -> String? {
        do {
            _ = try await receiver.receive(path: "/v1/callback", rawQuery: query, body: Data(body.utf8), headers: headers)
            return nil
        } catch {
            #expect(try await catalog.uploads(of: "alice").isEmpty)
            #expect(try await catalog.uploads(of: "bob").isEmpty)
            return error.code
        }
    }

    @Test func theUploaderMustBeTheOwnersSession() async throws {
        let (receiver, catalog) = try receiver()
        let cases: [(CallbackFacts, String)] = [
            (Self.facts("users/bob/x.jpg", uploader: Self.session("alice")), "ForeignUploader"),
            (Self.facts("users/alice/x.jpg", uploader: Self.session("alice", role: "acs:ram::1234567890:role/other")), "ForeignUploader"),
            (Self.facts("users/alice/x.jpg", uploader: CallbackFacts.Uploader(kind: "anonymous")), "ForeignUploader"),
            (Self.facts("users/alice/x.jpg", uploader: CallbackFacts.Uploader(kind: "user", arn: "acs:ram::1:user/alice")), "ForeignUploader"),
            (Self.facts("public/x.jpg"), "NotAUserKey"),
            (Self.facts("users/alice/x.jpg", bucket: "other"), "ForeignBucket"),
            (Self.facts("users/alice/x.jpg", issuedAt: 1_000 - 3_600), "StaleCallback"),
        ]
        for (facts, code) in cases {
            #expect(try await refusal(receiver, catalog, headers: try callback("{}", facts: facts)) == code, "\(facts)")
        }
    }

    @Test func factsAreBoundToTheirCallback() async throws {
        let (receiver, catalog) = try receiver()
        // Facts signed for another body, or edited, do not verify.
        var replayed = try callback("{}", facts: Self.facts("users/alice/x.jpg"))
        let other = try callback(#"{"a":1}"#, facts: Self.facts("users/alice/y.jpg"))
        replayed.facts = other.facts
        replayed.factsSignature = other.factsSignature
        #expect(try await refusal(receiver, catalog, headers: replayed) == "InvalidCallbackFacts")
        var edited = try callback("{}", facts: Self.facts("users/alice/x.jpg"))
        let forged = try JSONEncoder().encode(Self.facts("users/bob/x.jpg", uploader: Self.session("bob"))).base64EncodedString()
        edited.facts = forged
        #expect(try await refusal(receiver, catalog, headers: edited) == "InvalidCallbackFacts")
        // Facts signed by another key.
        let stranger = try CallbackSigner.generate().signer
        var foreign = try callback("{}", facts: nil)
        let stringToSign = CallbackStringToSign.make(path: "/v1/callback", rawQuery: nil, body: "{}")
        let attestation = try CallbackAttestation.headers(for: Self.facts("users/alice/x.jpg"), stringToSign: stringToSign,
                                                          signer: stranger)
        foreign.facts = attestation.facts
        foreign.factsSignature = attestation.signature
        #expect(try await refusal(receiver, catalog, headers: foreign) == "InvalidCallbackFacts")
    }

    @Test func withoutFactsNothingIsBelievedByDefault() async throws {
        let (receiver, catalog) = try receiver()
        #expect(try await refusal(receiver, catalog, body: Self.body, headers: try callback(Self.body, facts: nil))
                == "UnattestedCallback")
    }

    /// For a storage service that signs no facts: the signed callback URL says whose callback it is.
    @Test func withoutFactsTheURLBindsTheUser() async throws {
        let (first, _) = try receiver(requireStorageFacts: false)
        let alice = Self.parameters.configuration(for: AppUser(uid: "alice")).urls[0]
        let query = try #require(URLComponents(url: alice, resolvingAgainstBaseURL: false)?.percentEncodedQuery)
        let upload = try await first.receive(path: "/v1/callback", rawQuery: query, body: Data(Self.body.utf8),
                                             headers: try callback(Self.body, facts: nil, query: query))
        #expect(upload.key == "users/alice/cat.jpg" && upload.etag == "ABC" && upload.width == 640)
        let (receiver, catalog) = try self.receiver(requireStorageFacts: false)
        let lying = #"{"bucket":"demo","object":"users/bob/private-photo.png"}"#
        #expect(try await refusal(receiver, catalog, body: lying, headers: try callback(lying, facts: nil, query: query),
                                  query: query) == "ForeignKey")
        let bobQuery = query.replacingOccurrences(of: "uid=alice", with: "uid=bob")
        #expect(try await refusal(receiver, catalog, body: lying, headers: try callback(lying, facts: nil, query: bobQuery),
                                  query: bobQuery) == "UnboundCallback")
        #expect(try await refusal(receiver, catalog, body: Self.body, headers: try callback(Self.body, facts: nil))
                == "UnboundCallback")
    }

    @Test func refusesForgeries() async throws {
        let (receiver, catalog) = try receiver()
        let facts = Self.facts("users/alice/cat.jpg")
        var unsigned = try callback(Self.body, facts: facts)
        unsigned.authorization = nil
        #expect(try await refusal(receiver, catalog, body: Self.body, headers: unsigned) == "MissingCallbackSignature")
        let tampered = Self.body.replacingOccurrences(of: "5428", with: "1")
        #expect(try await refusal(receiver, catalog, body: tampered, headers: try callback(Self.body, facts: facts))
                == "InvalidCallbackSignature")
        #expect(try await refusal(receiver, catalog, body: Self.body, headers: try callback(Self.body, facts: facts, path: "/other"))
                == "InvalidCallbackSignature")
        var badURL = try callback(Self.body, facts: facts)
        badURL.publicKeyURL = Data("http://127.0.0.1:9000.evil.com/-/callback/k.pem".utf8).base64EncodedString()
        #expect(try await refusal(receiver, catalog, body: Self.body, headers: badURL) == "InvalidPublicKeyURL")
        for url in ["http://evil.example.com/-/callback/public-key.pem", "http://127.0.0.1.evil.com/-/callback/public-key.pem",
                    "http://user@127.0.0.1:9000/-/callback/public-key.pem", "https://127.0.0.1:9000/-/callback/public-key.pem",
                    "http://127.0.0.1:9001/-/callback/public-key.pem", "http://127.0.0.1:9000/-/other.pem",
                    "http://127.0.0.1:9000/-/callback/../../x", "http://127.0.0.1:9000/-/callback/public-key.pem?n=1",
                    "http://127.0.0.1:9000/-/callback/public-key.pem#x"] {
            var headers = try callback(Self.body, facts: facts)
            headers.publicKeyURL = Data(url.utf8).base64EncodedString()
            #expect(try await refusal(receiver, catalog, body: Self.body, headers: headers) == "PublicKeyURLNotAllowed", "\(url)")
        }
        #expect(fetches.withLockedValue { $0 } <= 1, "only the allowed key URL was fetched")
    }

    /// Forged callbacks naming many key URLs make a bounded number of fetches.
    @Test func keyFetchesAreBounded() async throws {
        let fetched = NIOLockedValueBox<[String]>([])
        let pem = signer.publicKeyPEM
        let keys = PublicKeyCache(allowedPrefixes: ["http://127.0.0.1:9000/-/callback/"]) { url in
            fetched.withLockedValue { $0.append(url.absoluteString) }
            return pem
        }
        for _ in 0..<5 { _ = try await keys.key(at: URL(string: "http://127.0.0.1:9000/-/callback/public-key.pem")!) }
        _ = try await keys.key(at: URL(string: "HTTP://127.0.0.1:9000/-/callback/public-key.pem")!)
        _ = try await keys.key(at: URL(string: "http://127.0.0.1:80/-/callback/public-key.pem".replacingOccurrences(of: ":80", with: ":9000"))!)
        #expect(fetched.withLockedValue { $0 } == ["http://127.0.0.1:9000/-/callback/public-key.pem"])
        var refused = 0
        for n in 0..<100 {
            do {
                _ = try await keys.key(at: URL(string: "http://127.0.0.1:9000/-/callback/k\(n).pem")!, refresh: true)
            } catch {
                refused += 1
            }
        }
        #expect(fetched.withLockedValue { $0.count } == PublicKeyCache.maxFetchesPerMinute, "fetches: one budget per minute")
        #expect(refused == 100 - (PublicKeyCache.maxFetchesPerMinute - 1))
    }
}

extension Error {
    /// The code the app server answers this failure with, through the front end's one mapping.
    var code: String { (self as? AppFailure).map { AppErrors.document($0).code } ?? "\(self)" }
}
