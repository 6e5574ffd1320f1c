import SiloCore

/// What CompleteMultipartUpload decides from the stored upload and parts, whatever store holds them: which parts
/// make the object (or why none can) and the object they make.
public enum MultipartCompletion {
    /// The parts the complete names, each checked (exists, ETag matches, all but the last big enough); every
    /// stored part when `requested` is nil. The failure is the outcome to answer.
    public static func choose(stored: [PartRecord], requested: [CompletionPart]?, minimumPartSize: Int64)
        -> Result<[PartRecord], CompletionRefusal>
    {
        var chosen: [PartRecord] = []
        if let requested {
            let byNumber = Dictionary(stored.map { ($0.partNumber, $0) }, uniquingKeysWith: { first, _ in first })
            for item in requested {
                guard let part = byNumber[item.partNumber], Preconditions.same(part.etag, item.etag) else {
                    return .failure(CompletionRefusal(outcome: .invalidPart(partNumber: item.partNumber)))
                }
                chosen.append(part)
            }
        } else {
            chosen = stored
        }
        guard !chosen.isEmpty else { return .failure(CompletionRefusal(outcome: .invalidPart(partNumber: 0))) }
        for part in chosen.dropLast() where part.size < minimumPartSize {
            return .failure(CompletionRefusal(outcome: .entityTooSmall(partNumber: part.partNumber)))
        }
        return .success(chosen)
    }

    /// The object a complete produces: the parts' extents in order, the OSS multipart ETag (MD5 of the parts'
    /// hex ETags, then `-N`) and the CRC-64 combined from the parts'.
    public static func assemble(_ upload: UploadRecord, parts: [PartRecord], lastModified: Int64) -> ObjectRecord {
        var crc: UInt64 = 0
        var size: Int64 = 0
        for part in parts {
            crc = CRC64.combine(crc, part.crc64, length2: UInt64(part.size))
            size += part.size
        }
        return ObjectRecord(
            bucket: upload.bucket, key: upload.key, size: size, etag: MultipartETag.compute(parts.map(\.etag)),
            lastModified: lastModified, contentType: upload.contentType, contentMD5: nil, crc64: crc, type: .multipart,
            storageClass: upload.storageClass, acl: upload.acl, headers: upload.headers, userMetadata: upload.userMetadata,
            extents: parts.flatMap(\.extents), tags: upload.tags)
    }
}

/// Why a complete cannot build its object; always one of `CompleteOutcome`'s refusals.
public struct CompletionRefusal: Error, Sendable {
    public let outcome: CompleteOutcome
}
