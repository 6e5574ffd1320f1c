/// Content-Type from a key's extension, as the OSS SDKs set it before uploading.
///
/// The service itself stores `application/octet-stream` when a request carries no Content-Type (oss2's
/// `test_put_object_with_sign_url` asserts it against the real service), so this table is for clients.
public enum MimeTypes {
    public static let fallback = "application/octet-stream"

    public static func forKey(_ key: String) -> String {
        guard let dot = key.lastIndex(of: "."), !key[dot...].contains("/") else { return fallback }
        let ext = key[key.index(after: dot)...].lowercased()
        return table[ext] ?? fallback
    }

    static let table: [String: String] = [
        "txt": "text/plain", "text": "text/plain", "log": "text/plain", "conf": "text/plain", "ini": "text/plain",
        "htm": "text/html", "html": "text/html", "shtml": "text/html", "css": "text/css", "csv": "text/csv",
        "tsv": "text/tab-separated-values", "md": "text/markdown", "markdown": "text/markdown", "xml": "text/xml",
        "js": "application/javascript", "mjs": "application/javascript", "json": "application/json",
        "map": "application/json", "yaml": "application/x-yaml", "yml": "application/x-yaml", "rtf": "application/rtf",
        "ics": "text/calendar", "vcf": "text/vcard", "srt": "application/x-subrip", "vtt": "text/vtt",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg", "png": "image/png", "gif": "image/gif",
        "bmp": "image/bmp", "webp": "image/webp", "tif": "image/tiff", "tiff": "image/tiff", "ico": "image/x-icon",
        "svg": "image/svg+xml", "svgz": "image/svg+xml", "heic": "image/heic", "heif": "image/heif", "avif": "image/avif",
        "psd": "image/vnd.adobe.photoshop", "jxl": "image/jxl",
        "mp4": "video/mp4", "m4v": "video/x-m4v", "mov": "video/quicktime", "qt": "video/quicktime",
        "avi": "video/x-msvideo", "wmv": "video/x-ms-wmv", "flv": "video/x-flv", "mkv": "video/x-matroska",
        "webm": "video/webm", "mpeg": "video/mpeg", "mpg": "video/mpeg", "3gp": "video/3gpp", "3g2": "video/3gpp2",
        "ts": "video/mp2t", "m3u8": "application/x-mpegURL",
        "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "wav": "audio/wav", "ogg": "audio/ogg",
        "oga": "audio/ogg", "opus": "audio/opus", "flac": "audio/flac", "mid": "audio/midi", "midi": "audio/midi",
        "amr": "audio/amr", "wma": "audio/x-ms-wma",
        "pdf": "application/pdf", "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation", "epub": "application/epub+zip",
        "zip": "application/zip", "gz": "application/gzip", "tgz": "application/gzip", "bz2": "application/x-bzip2",
        "xz": "application/x-xz", "7z": "application/x-7z-compressed", "rar": "application/vnd.rar",
        "tar": "application/x-tar", "jar": "application/java-archive", "apk": "application/vnd.android.package-archive",
        "ipa": "application/octet-stream", "dmg": "application/x-apple-diskimage", "exe": "application/x-msdownload",
        "wasm": "application/wasm", "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
        "eot": "application/vnd.ms-fontobject", "swf": "application/x-shockwave-flash", "sh": "application/x-sh",
        "py": "text/x-python", "c": "text/x-c", "h": "text/x-c", "java": "text/x-java-source",
    ]
}
