import Foundation
import HTTPTypes
import SiloCore

/// Operations on one bucket and its objects.
public struct Bucket: Sendable {
    public let client: OSSClient
    public let name: String

    // MARK: bucket

    public func create(acl: BucketACL? = nil, storageClass: StorageClass? = nil) async throws {
        var request = ClientRequest(method: .put, bucket: name, idempotent: false)
        if let acl { request.setHeader("x-oss-acl", acl.rawValue) }
        if let storageClass {
            request.body = .data(Data("<CreateBucketConfiguration><StorageClass>\(storageClass.rawValue)</StorageClass></CreateBucketConfiguration>".utf8))
            request.setHeader("Content-Type", "application/xml")
        }
        _ = try await client.sendForData(request)
    }

    public func delete() async throws {
        _ = try await client.sendForData(ClientRequest(method: .delete, bucket: name))
    }

    // MARK: put

    public func put(_ key: String, data: Data, options: ObjectOptions = ObjectOptions(),
                    progress: TransferProgress.Reporter? = nil) async throws -> WriteResult {
        try await put(key, body: .data(data), options: options, progress: progress)
    }

    /// Uploads a file, streamed from disk.
    public func put(_ key: String, file: URL, options: ObjectOptions = ObjectOptions(),
                    progress: TransferProgress.Reporter? = nil) async throws -> WriteResult {
        let size = try FileFingerprint(of: file).size
        return try await put(key, body: .file(file, offset: 0, length: size), options: options, progress: progress)
    }

    /// Uploads whatever `stream` produces. With `length` nil the body goes chunked. A stream cannot be
    /// replayed, so this upload is not retried.
    public func put(_ key: String, stream: ByteStream, length: Int64?, options: ObjectOptions = ObjectOptions(),
                    progress: TransferProgress.Reporter? = nil) async throws -> WriteResult {
        try await put(key, body: .stream(stream, length: length), options: options, progress: progress)
    }

    func put(_ key: String, body: RequestBody, options: ObjectOptions, progress: TransferProgress.Reporter?) async throws
        -> WriteResult {
        try Self.validate(key: key)
        var request = ClientRequest(method: .put, bucket: name, key: key, body: body, checksum: .upload(initial: 0))
        options.apply(to: &request, key: key)
        progress?.begin(total: body.length)
        if let progress { request.onBytesSent = { @Sendable count in progress.advance(count) } }
        let (response, data) = try await client.sendForData(request)
        progress?.finish()
        return WriteResult(response, body: data)
    }

    /// Appends to an appendable object at `position` (its current length). Pass the object's current CRC-64
    /// as `previousCRC` to have the result checked end to end.
    public func append(_ key: String, data: Data, position: Int64, previousCRC: UInt64? = nil,
                       options: ObjectOptions = ObjectOptions()) async throws -> WriteResult {
        try Self.validate(key: key)
        var query = QueryParameters()
        query.append("append")
        query.append("position", String(position))
        let checksum: ClientRequest.Checksum = position == 0 ? .upload(initial: 0)
            : previousCRC.map { .upload(initial: $0) } ?? .none
        // An append is not idempotent: the position check would refuse a replay after a success.
        var request = ClientRequest(method: .post, bucket: name, key: key, query: query, body: .data(data),
                                    idempotent: false, checksum: checksum)
        if position == 0 { options.apply(to: &request, key: key, callback: false) }
        let (response, _) = try await client.sendForData(request)
        return WriteResult(response)
    }

    // MARK: get

    /// Reads a whole object (or a range of it) into memory.
    public func get(_ key: String, range: ByteRangeSpec? = nil, process: String? = nil) async throws -> Data {
        let stream = try await stream(key, range: range, process: process)
        do {
            return try await stream.bytes.collect(upTo: Int.max)
        } catch {
            throw RetryMiddleware.map(error)
        }
    }

    /// Opens an object for streaming: memory stays flat however large it is.
    public func stream(_ key: String, range: ByteRangeSpec? = nil, process: String? = nil,
                       progress: TransferProgress.Reporter? = nil) async throws -> ObjectStream {
        try Self.validate(key: key)
        var query = QueryParameters()
        if let process { query.append("x-oss-process", process) }
        var request = ClientRequest(method: .get, bucket: name, key: key, query: query,
                                    checksum: range == nil && process == nil ? .download : .none)
        if let range { request.setHeader("Range", range.header) }
        let response = try await client.send(request)
        let info = ObjectInfo(response)
        guard let progress else { return ObjectStream(info: info, bytes: response.body) }
        progress.begin(total: response.head.headerFields[.contentLength].flatMap { Int64($0) })
        return ObjectStream(info: info, bytes: response.body.observing({ progress.advance(Int64($0.count)) },
                                                                        atEnd: { progress.finish() }))
    }

    /// Downloads into `file`, written to a temporary sibling and renamed into place once complete and verified.
    public func get(_ key: String, toFile file: URL, progress: TransferProgress.Reporter? = nil) async throws -> ObjectInfo {
        let temporary = file.deletingLastPathComponent()
            .appendingPathComponent(".\(file.lastPathComponent).silo-\(UUID().uuidString.prefix(8))")
        if client.transport.downloadsToFiles {
            return try await getThroughFile(key, temporary: temporary, file: file, progress: progress)
        }
        let download = try await stream(key, progress: progress)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw OSSClientError.invalidArgument("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            for try await chunk in download.bytes { try handle.write(contentsOf: chunk) }
            try handle.synchronize()
            try FileReplacement.move(temporary, over: file)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw RetryMiddleware.map(error)
        }
        return download.info
    }

    /// The transport writes the body (its download task); reading it back checks the CRC-64 before the rename.
    private func getThroughFile(_ key: String, temporary: URL, file: URL,
                                progress: TransferProgress.Reporter?) async throws -> ObjectInfo {
        try Self.validate(key: key)
        var request = ClientRequest(method: .get, bucket: name, key: key, checksum: .download)
        request.downloadDestination = temporary
        request.onBytesReceived = { count, expected in
            progress?.begin(total: expected)  // the first call's length holds
            progress?.advance(count)
        }
        do {
            let response = try await client.send(request)
            for try await _ in response.body {}
            let handle = try FileHandle(forUpdating: temporary)
            try handle.synchronize()
            try handle.close()
            try FileReplacement.move(temporary, over: file)
            let info = ObjectInfo(response)
            progress?.begin(total: info.size)  // an empty object reports no chunk
            progress?.finish()
            return info
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw RetryMiddleware.map(error)
        }
    }

    public func head(_ key: String) async throws -> ObjectInfo {
        try Self.validate(key: key)
        let response = try await client.send(ClientRequest(method: .head, bucket: name, key: key))
        return ObjectInfo(response)
    }

    /// True when the object exists; other errors (access denied, network) still throw.
    public func exists(_ key: String) async throws -> Bool {
        do {
            _ = try await head(key)
            return true
        } catch let error as OSSClientError where error.code == "NoSuchKey" || error.code == "NotFound" {
            return false
        }
    }

    // MARK: delete and copy

    public func delete(_ key: String) async throws {
        try Self.validate(key: key)
        _ = try await client.sendForData(ClientRequest(method: .delete, bucket: name, key: key))
    }

    /// Deletes up to 1000 keys per request (more are split); returns the keys the server reports deleted.
    @discardableResult
    public func delete(keys: [String]) async throws -> [String] {
        var deleted: [String] = []
        var start = 0
        while start < keys.count {
            let batch = Array(keys[start..<min(start + 1000, keys.count)])
            let body = Data(DeleteObjectsBody(keys: batch, quiet: false).xmlBytes())
            var query = QueryParameters()
            query.append("delete")
            query.append("encoding-type", "url")
            var request = ClientRequest(method: .post, bucket: name, query: query, body: .data(body))
            request.setHeader("Content-Type", "application/xml")
            request.setHeader("Content-MD5", ContentMD5.base64(of: body))
            let (_, result) = try await client.sendForXML(request, as: DeleteResult.self)
            deleted += result.deleted.map(\.key)
            start += batch.count
        }
        return deleted
    }

    /// Server-side copy; nothing passes through the client. With `options` the metadata is replaced,
    /// otherwise it is copied from the source.
    public func copy(from sourceKey: String, sourceBucket: String? = nil, to key: String,
                     options: ObjectOptions? = nil) async throws -> WriteResult {
        try Self.validate(key: key)
        try Self.validate(key: sourceKey)
        var request = ClientRequest(method: .put, bucket: name, key: key)
        request.setHeader("x-oss-copy-source", "/" + (sourceBucket ?? name) + "/" + PercentEncoding.encode(sourceKey, keepSlash: true))
        if let options {
            options.apply(to: &request, key: key, callback: false)
            request.setHeader("x-oss-metadata-directive", "REPLACE")
        }
        let (response, result) = try await client.sendForXML(request, as: CopyObjectResult.self)
        var write = WriteResult(response)
        write.etag = result.etag
        return write
    }

    // MARK: list

    /// Every object (and, with a delimiter, every common prefix) under `prefix`, paging as you iterate.
    public func list(prefix: String = "", delimiter: String? = nil, startAfter: String? = nil,
                     pageSize: Int = 1000) -> ObjectListing {
        ObjectListing(bucket: self, prefix: prefix, delimiter: delimiter, startAfter: startAfter, pageSize: pageSize)
    }

    static func validate(key: String) throws {
        guard !key.isEmpty, key.utf8.count <= 1023, !key.hasPrefix("/"), !key.hasPrefix("\\") else {
            throw OSSClientError.invalidArgument("object key must be 1 to 1023 bytes and not start with / or \\")
        }
    }
}
