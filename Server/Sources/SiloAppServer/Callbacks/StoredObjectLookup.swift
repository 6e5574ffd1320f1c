import Foundation
import SiloClient
import SiloCore

/// What storage itself says about an object. The receiver records these facts, not the callback body's: the
/// body is written by the uploader's template, so only the key in it is worth anything, and only once storage
/// confirms the object.
public struct StoredObject: Sendable, Hashable {
    public var size: Int64
    public var etag: String
    public var contentType: String
    public var image: ImageHeader?

    public init(size: Int64, etag: String, contentType: String, image: ImageHeader? = nil) {
        self.size = size
        self.etag = etag
        self.contentType = contentType
        self.image = image
    }
}

public protocol StoredObjectLookup: Sendable {
    /// Nil when the object does not exist.
    func lookup(bucket: String, key: String) async throws -> StoredObject?
}

/// Looks objects up with the app server's own read-only session: the role, narrowed to GetObject on the bucket.
public struct StorageInspector: StoredObjectLookup {
    let client: OSSClient

    public init(storage: AppServerConfiguration.Storage, sts: any RoleAssumer, roleArn: String, durationSeconds: Int,
                transport: any Transport) {
        let policy = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Resource":["acs:oss:*:*:\#(storage.bucket)/*"]}]}"#
        let credentials = RefreshingCredentialsProvider {
            try await sts.assumeRole(roleArn: roleArn, sessionName: "silo-app-server", policy: policy,
                                     durationSeconds: durationSeconds).credentials
        }
        var settings = ClientConfiguration()
        settings.maxRetries = 1
        client = OSSClient(endpoint: storage.endpoint, region: storage.region, credentials: credentials,
                           configuration: settings, transport: transport)
    }

    public func lookup(bucket: String, key: String) async throws -> StoredObject? {
        let objects = client.bucket(bucket)
        let info: ObjectInfo
        do {
            info = try await objects.head(key)
        } catch let error as OSSClientError where error.code == "NoSuchKey" || error.code == "NotFound" {
            return nil
        }
        var object = StoredObject(size: info.size, etag: info.etag, contentType: info.contentType ?? "")
        if object.contentType.lowercased().hasPrefix("image/"), info.size > 0 {
            let length = min(info.size, Int64(ImageHeader.sniffLength))
            let head = try await objects.stream(key, range: ByteRangeSpec(0...(length - 1)))
            object.image = ImageHeader.sniff(try await head.bytes.collect(upTo: ImageHeader.sniffLength))
        }
        return object
    }
}
