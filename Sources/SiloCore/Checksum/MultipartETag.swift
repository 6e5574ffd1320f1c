import Crypto

/// The ETag of a completed multipart object (spec §7.9): the MD5 of the parts' upper-case hex ETags joined as
/// text, then `-<part count>`. Unlike S3, the hex strings are hashed, not the binary digests.
public enum MultipartETag {
    public static func compute<PartETags: Collection>(_ partETags: PartETags) -> String where PartETags.Element == String {
        var md5 = Insecure.MD5()
        for etag in partETags { md5.update(data: Array(etag.uppercased().utf8)) }
        return Hex.upper(md5.finalize()) + "-\(partETags.count)"
    }
}
