import Foundation
import SiloClient
import SiloCore

/// The seed's mobile flow, step by step, exactly as an app does it: sign in to the app server, take an STS
/// token through the auth-server provider, upload straight to storage (simple and resumable, with callbacks),
/// list the catalog, download, and make a thumbnail URL. `silo demo mobile-flow` narrates it.
public struct MobileFlow: Sendable {
    public struct Options: Sendable {
        public var appServer: URL
        public var username: String
        public var password: String
        public var file: URL
        /// Uploaded with the resumable (multipart) path; nil makes a temporary file of `largeFileSize` bytes.
        public var largeFile: URL?
        public var largeFileSize: Int64 = 24 << 20
        public var partSize: Int64 = 4 << 20
        /// Create the account when the login says it does not exist.
        public var register = true

        public init(appServer: URL, username: String, password: String, file: URL) {
            self.appServer = appServer
            self.username = username
            self.password = password
            self.file = file
        }
    }

    public struct Report: Sendable {
        public var uid = ""
        public var tokenExpiration: Date?
        public var simpleKey = ""
        public var simpleCallback = ""
        public var largeKey = ""
        public var largeCallback = ""
        public var uploads: [UploadCatalog.Upload] = []
        public var downloadedBytes: Int64 = 0
        public var thumbnailURL: URL?
    }

    let options: Options
    let transport: any Transport
    let narrate: @Sendable (String) -> Void

    public init(options: Options, transport: any Transport, narrate: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.transport = transport
        self.narrate = narrate
    }

    public func run() async throws -> Report {
        var report = Report()
        let app = AppServerClient(baseURL: options.appServer, transport: transport)

        narrate("1. Log in to the app server at \(options.appServer.absoluteString) as \(options.username)")
        let session: AppServerClient.Session
        do {
            session = try await app.login(username: options.username, password: options.password)
        } catch let failure as AppServerClient.Failure where failure.status == 401 && options.register {
            narrate("   no such account yet: registering \(options.username)")
            try await app.register(username: options.username, password: options.password)
            session = try await app.login(username: options.username, password: options.password)
        }
        report.uid = session.uid
        narrate("   signed in as uid \(session.uid); session valid until \(session.expiration)")

        narrate("2. Fetch an STS token from \(app.tokenURL.absoluteString) (the mobile SDKs' auth-server provider)")
        let credentials = AuthServerCredentialsProvider(url: app.tokenURL, transport: transport,
                                                        headers: ["Authorization": "Bearer " + session.token])
        let token = try await credentials.credentials()
        report.tokenExpiration = token.expiration
        narrate("   AccessKeyId \(token.accessKeyId), expires \(token.expiration.map { Timestamps.iso8601NoFraction(unixSeconds: Int64($0.timeIntervalSince1970)) } ?? "never")")
        let config = try await app.uploadConfig(session: session.token)
        narrate("   upload to bucket \(config.bucket) at \(config.endpoint), under \(config.prefix)")
        guard let endpoint = URL(string: config.endpoint) else {
            throw AppServerClient.Failure(status: 0, code: "InvalidEndpoint", message: config.endpoint)
        }
        var clientSettings = ClientConfiguration()
        clientSettings.signatureVersion = .v4
        let client = OSSClient(endpoint: endpoint, region: config.region, credentials: credentials,
                               configuration: clientSettings, transport: transport)
        let bucket = client.bucket(config.bucket)
        var objectOptions = ObjectOptions()
        if let callback = config.callback { objectOptions.callback = try CallbackConfiguration(base64: callback) }

        report.simpleKey = config.prefix + options.file.lastPathComponent
        narrate("3. Simple upload of \(options.file.path) straight to storage as \(report.simpleKey)")
        let simple = try await bucket.put(report.simpleKey, file: options.file, options: objectOptions)
        report.simpleCallback = simple.callbackBody.map { String(decoding: $0, as: UTF8.self) } ?? ""
        narrate("   stored, ETag \(simple.etag)")

        let large = try options.largeFile ?? Self.makeLargeFile(size: options.largeFileSize)
        defer { if options.largeFile == nil { try? FileManager.default.removeItem(at: large) } }
        report.largeKey = config.prefix + "videos/" + (options.largeFile?.lastPathComponent ?? "large-\(UUID().uuidString.prefix(8)).bin")
        // As an app does it: a transfer with an id, in a store that would outlive a relaunch.
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("silo-mobile-flow-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        var transferSettings = TransferManager.Configuration()
        transferSettings.partSize = options.partSize
        let transfers = TransferManager(client: client, store: TransferStore(directory: store, containerRoot: store),
                                        configuration: transferSettings)
        let size = try FileManager.default.attributesOfItem(atPath: large.path)[.size] as? Int64 ?? 0
        narrate("4. Resumable upload of \(size) bytes in \(options.partSize >> 20) MiB parts as \(report.largeKey),"
            + " through the transfer manager")
        let transfer = try await transfers.upload(large, bucket: config.bucket, key: report.largeKey, options: objectOptions)
        let multipart = try await transfers.wait(for: transfer.id)
        report.largeCallback = multipart.callbackBody.map { String(decoding: $0, as: UTF8.self) } ?? ""
        narrate("   transfer \(transfer.id) \(multipart.state.rawValue), ETag \(multipart.etag ?? "-"), CRC-64 checked end to end")

        narrate("5. The app server's answers to the upload callbacks, passed back through storage:")
        narrate("   simple    : \(report.simpleCallback.isEmpty ? "(no callback configured)" : report.simpleCallback)")
        narrate("   resumable : \(report.largeCallback.isEmpty ? "(no callback configured)" : report.largeCallback)")

        narrate("6. List my uploads (GET /v1/uploads)")
        report.uploads = try await app.uploads(session: session.token)
        for upload in report.uploads {
            let dimensions = upload.width.flatMap { width in upload.height.map { " \(width)x\($0)" } } ?? ""
            narrate("   \(upload.key)  \(upload.size) bytes  \(upload.mimeType)\(dimensions)")
        }

        narrate("7. Download \(report.simpleKey) with the same token")
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("silo-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: target) }
        let info = try await bucket.get(report.simpleKey, toFile: target)
        report.downloadedBytes = info.size
        narrate("   \(info.size) bytes, CRC-64 verified")

        report.thumbnailURL = try await bucket.imageURL(report.simpleKey, process: ImageProcess().resize(.lfit, width: 200, height: 200))
        narrate("8. Thumbnail URL (presigned, image/resize to 200x200):")
        narrate("   \(report.thumbnailURL?.absoluteString ?? "")")
        return report
    }

    static func makeLargeFile(size: Int64) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("silo-demo-large-\(UUID().uuidString).bin")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var written: Int64 = 0
        while written < size {
            let count = Int(min(1 << 20, size - written))
            let chunk = Data((0..<count / 8 + 1).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }.prefix(count))
            try handle.write(contentsOf: chunk)
            written += Int64(count)
        }
        return url
    }
}
