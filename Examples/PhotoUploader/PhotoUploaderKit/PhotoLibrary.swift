import Foundation
import SiloClient
import SiloCore

/// Everything the signed-in app uses: the storage client (credentials from the app server, renewed as they
/// expire), the transfer manager (uploads that survive suspension and relaunch) and the user's folder.
public final class PhotoLibrary: Sendable {
    public let session: AppSession
    public let config: UploadConfig
    public let client: OSSClient
    public let transfers: TransferManager
    let api: any AppServerAPI

    /// - Parameters:
    ///   - transport: storage requests; on iOS a `BackgroundTransport`, so uploads go on in the background.
    ///   - store: where transfers are remembered across launches.
    public init(api: any AppServerAPI, session: AppSession, config: UploadConfig, transport: any Transport,
                tokenTransport: any Transport, store: TransferStore) throws {
        guard let endpoint = URL(string: config.endpoint) else {
            throw AppServerError(status: 0, code: "InvalidEndpoint", message: "the app server gave no usable endpoint: \(config.endpoint)")
        }
        let bearer = session.token
        let credentials = AuthServerCredentialsProvider(url: api.tokenURL, transport: tokenTransport,
                                                        headers: { ["Authorization": "Bearer " + bearer] })
        var settings = ClientConfiguration()
        settings.signatureVersion = .v4
        client = OSSClient(endpoint: endpoint, region: config.region, credentials: credentials, configuration: settings,
                           transport: transport)
        transfers = TransferManager(client: client, store: store)
        self.api = api
        self.session = session
        self.config = config
    }

    public var bucket: Bucket { client.bucket(config.bucket) }

    /// The key a photo gets: the user's folder, then the name the user typed (made safe), keeping the extension.
    public func key(forName name: String, file: URL) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_ ."))
        var cleaned = String(name.unicodeScalars.map { allowed.contains($0) ? Character($0) : "-" })
            .trimmingCharacters(in: .whitespaces)
        if cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) { cleaned = "photo" }
        let ext = file.pathExtension
        if !ext.isEmpty, !cleaned.lowercased().hasSuffix("." + ext.lowercased()) { cleaned += "." + ext }
        return config.prefix + "photos/" + cleaned
    }

    /// Upload options: the content type from the key, the app server's callback when it asks for one.
    public func objectOptions(key: String) throws -> ObjectOptions {
        var options = ObjectOptions(contentType: MimeTypes.forKey(key))
        if let callback = config.callback { options.callback = try CallbackConfiguration(base64: callback) }
        return options
    }
}
