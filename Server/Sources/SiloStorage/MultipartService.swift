import Crypto
import Foundation
import NIOCore
import SiloCore

/// Multipart uploads (spec §8): parts are blobs like objects; completing turns them into the object's extents.
extension ObjectService {
    public static let minimumPartSize: Int64 = 100 * 1024
    public static let partNumbers = 1...10_000

    /// 32 upper-case hex characters: the wall-clock time in milliseconds, then randomness, so ids of one key sort
    /// in initiation order.
    static func newUploadId() -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let time = String(milliseconds, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 12 - time.count)) + time
        let random = (0..<10).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return String(padded.suffix(12)) + Hex.upper(random)
    }

    public func initiateUpload(bucket: BucketRecord, key: String, attributes: ObjectAttributes, forbidOverwrite: Bool)
        async throws -> UploadRecord
    {
        if forbidOverwrite, try await metadata.object(bucket: bucket.name, key: key) != nil { throw StorageError.objectExists(key) }
        let now = clock()
        let upload = UploadRecord(
            uploadId: Self.newUploadId(), bucket: bucket.name, key: key, initiated: now,
            contentType: attributes.contentType ?? MimeTypes.fallback, storageClass: attributes.storageClass ?? bucket.storageClass,
            acl: attributes.acl, headers: attributes.headers, userMetadata: attributes.userMetadata,
            forbidOverwrite: forbidOverwrite, tags: attributes.tags)
        guard try await metadata.createUpload(upload) else { throw StorageError.noSuchBucket(bucket.name) }
        return upload
    }

    public func requireUpload(bucket: String, key: String, uploadId: String) async throws -> UploadRecord {
        guard let upload = try await metadata.upload(bucket: bucket, key: key, uploadId: uploadId) else {
            throw StorageError.noSuchUpload(uploadId)
        }
        return upload
    }

    public func uploadPart<Body: AsyncSequence & Sendable>(
        bucket: String, key: String, uploadId: String, partNumber: Int, body: Body, expectedLength: Int64?,
        contentMD5: String?
    ) async throws -> PartRecord where Body.Element == ByteBuffer {
        let upload = try await requireUpload(bucket: bucket, key: key, uploadId: uploadId)
        let digest = try await stage(body, expectedLength: expectedLength, contentMD5: contentMD5,
                                     sealed: upload.headers.serverSideEncryption != nil)
        let part = PartRecord(partNumber: partNumber, size: digest.size, etag: Hex.upper(digest.md5), crc64: digest.crc64,
                              lastModified: clock(), extents: digest.size > 0 ? [digest.extent] : [])
        let newBlobs: Set<BlobID> = digest.size > 0 ? [digest.blob] : []
        if digest.size == 0 { await blobs.discard(digest.blob) }
        let outcome: PartCommitOutcome
        do {
            outcome = try await metadata.commitPart(uploadId: uploadId, part, newBlobs: newBlobs)
        } catch {
            for blob in newBlobs { await blobs.discard(blob) }
            throw error
        }
        switch outcome {
        case .committed:
            await blobs.publish(Array(newBlobs))
            return part
        case .noSuchUpload, .sourceReleased:
            for blob in newBlobs { await blobs.discard(blob) }
            throw StorageError.noSuchUpload(uploadId)
        }
    }

    /// UploadPartCopy: the part references the source's bytes; they are read once, for the part's MD5 and CRC.
    public func uploadPartCopy(bucket: String, key: String, uploadId: String, partNumber: Int, source: ObjectRecord,
                               range: Range<Int64>) async throws -> PartRecord {
        let upload = try await requireUpload(bucket: bucket, key: key, uploadId: uploadId)
        let extents = Self.slice(source.extents, range)
        if upload.headers.serverSideEncryption != nil, extents.contains(where: { $0.sealing == nil }) {
            // An encrypted upload never names plaintext bytes: the range is copied, sealed, as a new part.
            let reader = try await blobs.reader(for: source.extents)
            do {
                let part = try await uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber,
                                                body: RangeStream(reader: reader, range: range),
                                                expectedLength: Int64(range.count), contentMD5: nil)
                await reader.close()
                return part
            } catch {
                await reader.close()
                throw error
            }
        }
        var md5 = Insecure.MD5()
        var crc = CRC64()
        if !range.isEmpty {
            let reader = try await blobs.reader(for: source.extents)
            do {
                try await reader.read(range, chunkSize: 1024 * 1024) { chunk in
                    chunk.withUnsafeReadableBytes { bytes in
                        md5.update(bufferPointer: bytes)
                        crc.update(buffer: bytes)
                    }
                }
            } catch {
                await reader.close()
                throw error
            }
            await reader.close()
        }
        let part = PartRecord(partNumber: partNumber, size: Int64(range.count), etag: Hex.upper(md5.finalize()),
                              crc64: crc.value, lastModified: clock(), extents: extents)
        switch try await metadata.commitPart(uploadId: uploadId, part, newBlobs: []) {
        case .committed: return part
        case .noSuchUpload: throw StorageError.noSuchUpload(uploadId)
        case .sourceReleased: throw SourceReleased()
        }
    }

    /// The extents covering `range` of an object made of `extents`.
    public static func slice(_ extents: [Extent], _ range: Range<Int64>) -> [Extent] {
        var result: [Extent] = []
        var start: Int64 = 0
        for extent in extents {
            let end = start + extent.length
            defer { start = end }
            let lower = max(range.lowerBound, start)
            let upper = min(range.upperBound, end)
            guard lower < upper else { continue }
            result.append(Extent(blob: extent.blob, offset: extent.offset + (lower - start), length: upper - lower,
                                 sealing: extent.sealing))
        }
        return result
    }

    /// CompleteMultipartUpload; `parts` nil completes with every uploaded part (`x-oss-complete-all`).
    public func completeUpload(bucket: BucketRecord, key: String, uploadId: String, parts: [CompletionPart]?,
                               forbidOverwrite: Bool) async throws -> ObjectRecord {
        if let parts {
            for (index, part) in parts.enumerated() {
                guard Self.partNumbers.contains(part.partNumber) else {
                    throw StorageError.invalidPartOrder("Part number must be an integer between 1 and 10000, inclusive.")
                }
                if index > 0 && parts[index - 1].partNumber >= part.partNumber { throw StorageError.invalidPartOrder(nil) }
            }
        }
        if forbidOverwrite, try await metadata.object(bucket: bucket.name, key: key) != nil {
            throw StorageError.objectExists(key)
        }
        switch try await metadata.completeUpload(bucket: bucket.name, key: key, uploadId: uploadId, parts: parts,
                                                 minimumPartSize: Self.minimumPartSize, lastModified: clock()) {
        case .completed(let record):
            changes.changed(bucket: record.bucket, key: record.key)
            return record
        case .noSuchUpload: throw StorageError.noSuchUpload(uploadId)
        case .noSuchBucket: throw StorageError.noSuchBucket(bucket.name)
        case .invalidPart(let number): throw StorageError.invalidPart(number)
        case .entityTooSmall(let number): throw StorageError.partTooSmall(number)
        case .fileAlreadyExists: throw StorageError.objectExists(key)
        }
    }

    public func abortUpload(bucket: String, key: String, uploadId: String) async throws {
        guard try await metadata.abortUpload(bucket: bucket, key: key, uploadId: uploadId) else {
            throw StorageError.noSuchUpload(uploadId)
        }
    }
}
