#if canImport(Observation)
import Foundation
import HTTPTypes
import PhotoUploaderKit
import SiloClient
import SiloCore
import Testing

/// The example app's view models on Linux, over an in-memory app server and an in-memory storage service.
@MainActor @Suite struct PhotoUploaderKitTests {
    nonisolated static let config = UploadConfig(endpoint: "http://127.0.0.1:9000", bucket: "photos", region: "cn-hangzhou",
                                     prefix: "users/42/")

    static func library(_ api: FakeAppServer, _ storage: FakeStorage, _ folder: URL) throws -> PhotoLibrary {
        try PhotoLibrary(api: api, session: AppSession(token: "session-token", uid: "42", expiration: "2030-01-01T00:00:00Z"),
                         config: config, transport: storage, tokenTransport: storage,
                         store: TransferStore(directory: folder.appendingPathComponent("transfers"), containerRoot: folder))
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("photo-kit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func signingInNeedsTheRightPasswordAndBuildsTheLibrary() async throws {
        let api = FakeAppServer()
        let storage = FakeStorage()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = SignInModel(api: api) { session, config in
            try PhotoLibrary(api: api, session: session, config: config, transport: storage, tokenTransport: storage,
                             store: TransferStore(directory: folder, containerRoot: folder))
        }
        #expect(!model.canSignIn)
        model.username = "alice"
        model.password = "wrong"
        await model.signIn()
        #expect(model.state == .failed("wrong username or password"))
        #expect(model.library == nil)
        model.password = "secret"
        await model.signIn()
        #expect(model.state == .signedIn)
        #expect(model.library?.config.prefix == "users/42/")
        #expect(model.password.isEmpty, "the password is not kept once signed in")
    }

    @Test func aNamedPhotoGoesToTheUsersFolderSimplyOrThroughTheTransferManager() async throws {
        let storage = FakeStorage()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try Self.library(FakeAppServer(), storage, folder)
        let model = UploadModel(library: library)
        let photo = folder.appendingPathComponent("IMG_0001.jpg")
        try Data("jpeg bytes".utf8).write(to: photo)

        model.pick(photo)
        #expect(model.name == "IMG_0001")
        model.name = "My cat!"
        model.mode = .simple
        let simple = await model.upload()
        #expect(simple == "users/42/photos/My cat-.jpg")
        #expect(storage.object("photos", "users/42/photos/My cat-.jpg")?.contentType == "image/jpeg")
        #expect(model.picked == nil && model.name.isEmpty)

        model.pick(photo)
        model.name = "Holiday"
        model.mode = .resumable
        let key = try #require(await model.upload())
        let done = try await library.transfers.wait(for: key)
        #expect(done.state == .completed)
        #expect(storage.object("photos", "users/42/photos/Holiday.jpg")?.bytes == Data("jpeg bytes".utf8))
        for _ in 0..<100 where model.transfers.transfers.first?.state != .completed { try await Task.sleep(for: .milliseconds(10)) }
        #expect(model.transfers.transfers.map(\.key) == ["users/42/photos/Holiday.jpg"])
        #expect(model.transfers.transfers.first?.state == .completed)
    }

    @Test func theGalleryListsNewestFirstWithThumbnailsForImages() async throws {
        let api = FakeAppServer()
        api.uploads = [
            UploadedPhoto(key: "users/42/photos/old.jpg", size: 10, mimeType: "image/jpeg", width: 640, height: 480, uploadedAt: 100),
            UploadedPhoto(key: "users/42/videos/clip.mp4", size: 99, mimeType: "video/mp4", uploadedAt: 300),
            UploadedPhoto(key: "users/42/photos/new.png", size: 20, mimeType: "image/png", uploadedAt: 200),
        ]
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = GalleryModel(library: try Self.library(api, FakeStorage(), folder))
        await model.refresh()
        #expect(model.items.map(\.title) == ["clip.mp4", "new.png", "old.jpg"])
        #expect(model.items[0].thumbnail == nil, "no thumbnail for a video")
        let thumbnail = try #require(model.items[2].thumbnail)
        #expect(thumbnail.absoluteString.contains("x-oss-process=image%2Fresize%2Cm_lfit%2Cw_240%2Ch_240"), "\(thumbnail)")
        #expect(model.items[2].dimensions == "640×480")
    }
}

/// An app server with one user, alice/secret.
final class FakeAppServer: AppServerAPI, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [UploadedPhoto] = []
    var uploads: [UploadedPhoto] {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    var tokenURL: URL { URL(string: "http://127.0.0.1:9100/v1/token")! }

    func signIn(username: String, password: String) async throws -> AppSession {
        guard username == "alice", password == "secret" else {
            throw AppServerError(status: 401, code: "InvalidCredentials", message: "wrong username or password")
        }
        return AppSession(token: "session-token", uid: "42", expiration: "2030-01-01T00:00:00Z")
    }

    func uploadConfig(session: AppSession) async throws -> UploadConfig { PhotoUploaderKitTests.config }

    func uploads(session: AppSession) async throws -> [UploadedPhoto] { uploads }
}

/// Storage that keeps objects in memory: PUT, GET and HEAD, with ETags and CRC-64 like the real service; and the
/// token endpoint, which vends a fixed STS token.
final class FakeStorage: Transport, @unchecked Sendable {
    struct Object {
        var bytes: Data
        var contentType: String?
    }

    private let lock = NSLock()
    private var objects: [String: Object] = [:]

    func object(_ bucket: String, _ key: String) -> Object? { lock.withLock { objects["/\(bucket)/\(key)"] } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let path = (request.head.path ?? "").split(separator: "?").first.map(String.init)?.removingPercentEncoding ?? ""
        if path == "/v1/token" {
            let token = #"{"StatusCode":200,"AccessKeyId":"STS.fake","AccessKeySecret":"secret","SecurityToken":"token","Expiration":"2030-01-01T00:00:00Z"}"#
            return Self.response(200, body: Data(token.utf8))
        }
        switch request.head.method {
        case .put:
            var bytes = Data()
            for try await chunk in try request.body.makeStream() { bytes.append(chunk) }
            lock.withLock { objects[path] = Object(bytes: bytes, contentType: request.head.headerFields[.contentType]) }
            return Self.response(200, headers: Self.headers(bytes))
        case .get, .head:
            guard let object = lock.withLock({ objects[path] }) else { return Self.response(404) }
            var headers = Self.headers(object.bytes)
            headers["Content-Length"] = String(object.bytes.count)
            return Self.response(200, headers: headers, body: request.head.method == .get ? object.bytes : Data())
        default:
            return Self.response(405)
        }
    }

    static func headers(_ bytes: Data) -> [String: String] {
        ["ETag": "\"\(ContentMD5.hex(of: bytes))\"", "x-oss-hash-crc64ecma": String(CRC64.checksum(bytes)),
         "x-oss-request-id": "fake"]
    }

    static func response(_ status: Int, headers: [String: String] = [:], body: Data = Data()) -> TransportResponse {
        var fields = HTTPFields()
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return TransportResponse(head: HTTPResponse(status: .init(code: status), headerFields: fields), body: .data(body))
    }
}
#endif
